"""The region catalogue: where the hub may run, read from catalogue.yaml and nowhere else.

Lookups are deliberate: case and surrounding blanks are normalised, a zone resolves to its
region, a listed alias resolves to its region, and anything else is *unknown*. Unknown is never
treated as allowed: callers fail closed and name the nearest EU region instead.
"""

from __future__ import annotations

import difflib
import math
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field

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
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    headquarters: str
    endpoint_domains: tuple[str, ...] = ()


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

    def is_luks_type(self, volume_type: str) -> bool:
        return volume_type in self.luks_volume_types


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    providers: dict[str, Provider]
    regions: tuple[Region, ...]

    @cached_property
    def _index(self) -> dict[str, Region]:
        index: dict[str, Region] = {}
        for region in self.regions:
            for name in (region.code, *region.aliases, *region.zones):
                index[normalise(name)] = region
        return index

    def lookup(self, name: str | None) -> Region | None:
        """The region `name` designates (code, alias or zone, any case), or None if unknown."""
        if not name or not name.strip():
            return None
        return self._index.get(normalise(name))

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
        host = (urlsplit(url).hostname or "").lower()
        for key, provider in self.providers.items():
            if any(host == d or host.endswith("." + d) for d in provider.endpoint_domains):
                return key
        return None


def normalise(name: str) -> str:
    return name.strip().upper().replace("_", "-")


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in {"localhost", "::1"} or host.startswith("127.")


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    with path.open(encoding="utf-8") as handle:
        return Catalogue.model_validate(yaml.safe_load(handle))
