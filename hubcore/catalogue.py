"""The region catalogue: where the hub may run, read from catalogue.yaml and nowhere else.

Two lookups, for two jobs:
  - `lookup` reads what a person wrote (config): case and surrounding blanks are normalised, a
    zone or a listed alias resolves to its region, anything else is *unknown*. The program then
    deploys the region's canonical code (`canonical`), never the raw spelling.
  - `exact` judges what a provider will send: only a code, alias or zone spelled exactly as the
    catalogue lists it. A padded or re-cased string is not judged as the region it resembles.
Unknown is never treated as allowed: callers fail closed and name the nearest EU region.

Every region says which cloud APIs reach it (`apis`): the OpenStack regions, and the offers of
other clouds (an AWS region, Google Cloud's, S3NS's universe) that the policy pack judges when a
stack uses another cloud's provider. A region is looked up within one API only, since codes
collide across clouds (Outscale's eu-west-2 is Paris, AWS's is London).
"""

from __future__ import annotations

import difflib
import ipaddress
import math
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from hubcore.strict_yaml import read_yaml

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")

# Member states of the European Union (ISO 3166-1 alpha-2). The UK left in 2020; Switzerland and
# Norway were never members: their regions look European but are not under EU law.
EU_MEMBER_STATES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
        "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    }
)  # fmt: skip


class Provider(BaseModel):
    """An operator: who runs the cloud, and under which country's law it is headquartered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    headquarters: str
    endpoint_domains: tuple[str, ...] = ()
    notes: str = ""
    verified: bool = True

    @property
    def eu(self) -> bool:
        return self.headquarters in EU_MEMBER_STATES


class Region(BaseModel):
    """One region or offer of a provider, with the facts the policies judge it by."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    provider: str
    offer: str
    city: str
    country: str = Field(min_length=2, max_length=2)
    location: tuple[float, float]
    secnumcloud: bool = False
    hds: bool = False
    openstack: bool = True
    # The cloud APIs that reach the region (openstack, aws, gcp, azure...); derived from
    # `openstack` when not written.
    apis: tuple[str, ...] = ()
    # Regions sharing a failure domain fall together (one site, one power and network plant);
    # by default the data-centre city. DR and replicas must be in another one.
    failure_domain: str | None = None
    loopback: bool = False
    private_identity: bool = False
    identity_endpoint: str | None
    object_storage: tuple[str, ...] = ()
    luks_volume_types: tuple[str, ...] = ()
    volume_types: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    notes: str = ""
    verified: bool = True

    @property
    def eu(self) -> bool:
        return self.country in EU_MEMBER_STATES

    @property
    def api_families(self) -> tuple[str, ...]:
        return self.apis or (("openstack",) if self.openstack else ())

    @property
    def domain(self) -> str:
        """The failure domain: the declared one, else the city and country."""
        return self.failure_domain or f"{self.country}:{self.city.lower()}"

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.code, *self.aliases, *self.zones)

    def is_luks_type(self, volume_type: str) -> bool:
        return volume_type in self.luks_volume_types


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    providers: dict[str, Provider]
    regions: tuple[Region, ...]

    @cached_property
    def _index(self) -> dict[tuple[str, str], Region]:
        index: dict[tuple[str, str], Region] = {}
        for region in self.regions:
            for api in region.api_families:
                for name in region.spellings:
                    index[(api, normalise(name))] = region
        return index

    @cached_property
    def _exact(self) -> dict[tuple[str, str], Region]:
        return {
            (api, name): region
            for region in self.regions
            for api in region.api_families
            for name in region.spellings
        }

    def lookup(self, name: str | None, api: str = "openstack") -> Region | None:
        """The region `name` designates (code, alias or zone, any case), or None if unknown."""
        if not isinstance(name, str) or not name.strip():
            return None
        return self._index.get((api, normalise(name)))

    def exact(self, name: object, api: str = "openstack") -> Region | None:
        """The region a provider sending `name` reaches: listed spellings only, as written."""
        if not isinstance(name, str):
            return None
        return self._exact.get((api, name))

    def canonical(self, name: str) -> str | None:
        """The code the program deploys for what a person wrote (`gra11` -> `GRA11`)."""
        region = self.lookup(name)
        return None if region is None else region.code

    def operator_of(self, region: Region) -> Provider:
        return self.providers[region.provider]

    def eu_regions(self, *, include_loopback: bool = False) -> list[Region]:
        return [
            r for r in self.regions if r.eu and r.openstack and (include_loopback or not r.loopback)
        ]

    def nearest_eu_region(self, name: str | None, *, include_loopback: bool = False) -> Region:
        """The EU region to suggest instead of `name`.

        A known region gets the geographically nearest EU region of the same provider when there
        is one (UK1 -> a Gravelines or Roubaix region); an unknown string gets the EU region whose
        code it most resembles (GRA-11 -> GRA11, sgb5 -> SBG5).
        """
        candidates = self.eu_regions(include_loopback=include_loopback)
        known = self.lookup(name)
        if not (name or "").strip():
            return candidates[0]
        if known is not None:
            same_provider = [r for r in candidates if r.provider == known.provider] or candidates
            return min(same_provider, key=lambda r: _distance_km(known.location, r.location))
        wanted = normalise(name or "")
        spellings = {normalise(s): r for r in candidates for s in (r.code, *r.aliases, *r.zones)}
        close = difflib.get_close_matches(wanted, list(spellings), n=1, cutoff=0.0)
        return spellings[close[0]] if close else candidates[0]

    def provider_of_endpoint(self, url: str) -> str | None:
        """The catalogue provider whose domains serve `url`, or None."""
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:  # an unparseable URL (bad IPv6 literal, bad port) is nobody's
            return None
        return self.provider_of_host(host)

    def provider_of_host(self, host: str) -> str | None:
        """The catalogue provider whose domains hold `host` (a name or a domain), or None."""
        host = host.lower()
        for key, provider in self.providers.items():
            if any(host == d or host.endswith("." + d) for d in provider.endpoint_domains):
                return key
        return None


def normalise(name: str) -> str:
    return name.strip().upper().replace("_", "-")


def is_loopback_url(url: str) -> bool:
    """True for a URL whose host is a loopback address (127.0.0.0/8, ::1) or `localhost`.

    The host is parsed as an address: `127.0.0.1.example.com` is a name, not loopback.
    """
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    """The catalogue, read by the one bounded YAML reader (hubcore.strict_yaml.read_yaml):
    duplicate keys, unbounded aliases and tags refused like in any other file the pack reads."""
    return Catalogue.model_validate(read_yaml(path, "region catalogue"))
