"""What several rules of the endpoints family share. Registers no rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.model import Context, Outcome, Reading, ResourceView, failed
from policies.rules.common import (
    cannot_judge,
    decoded,
    describe,
    provider_auth_url,
    provider_regions,
    url_parts,
)

PROVIDER = ("pulumi:providers:openstack",)


OVERRIDES_KEY = "openstack:endpointOverrides"


@dataclass(frozen=True)
class Endpoint:
    what: str
    url: str
    where: str  # "inline" or the clouds.yaml entry
    config_key: str | None
    # A secret the engine decrypted: judged, never printed.
    secret: bool = False

    @property
    def shown(self) -> str:
        return "[secret]" if self.secret else self.url

    @property
    def host(self) -> str:
        if self.secret:
            return "[secret]"
        parts = url_parts(self.url)
        return (parts[1] if parts else None) or repr(self.url)

    def subject(self, resource: ResourceView) -> str:
        via = "" if self.where == "inline" else f" (from {self.where})"
        return f"{describe(resource)}: {self.what}{via}"


def endpoints(resource: ResourceView, context: Context) -> tuple[list[Endpoint], list[Outcome]]:
    """Every endpoint the provider uses, and the fail-closed verdicts on those it cannot read.

    A secret identity endpoint is left to region-identity-endpoint-eu, which judges it through
    the site's companion fact.
    """
    found: list[Endpoint] = []
    problems: list[Outcome] = []
    auth = resource.get("authUrl")
    if auth not in (None, ""):
        reading = context.reading(resource, "authUrl", auth)
        if reading is Reading.VALUE and isinstance(auth, str):
            secret = resource.is_secret("authUrl")
            found.append(Endpoint("identity endpoint", auth, "inline", "openstack:authUrl", secret))
    raw = resource.get("endpointOverrides")
    if raw not in (None, "", {}):
        reading = context.reading(resource, "endpointOverrides", raw)
        overrides = decoded(raw)
        if reading is Reading.COMPUTED:
            pass
        elif not reading.readable or not isinstance(overrides, Mapping):
            problems.append(
                cannot_judge(
                    resource,
                    "endpointOverrides",
                    reading if not reading.readable else Reading.UNKNOWN,
                    "where the provider sends its requests",
                    config_keys=(OVERRIDES_KEY,),
                )
            )
        else:
            for service, url in sorted(overrides.items(), key=lambda item: str(item[0])):
                if not isinstance(url, str) or not url:
                    problems.append(
                        failed(
                            f"{describe(resource)}: endpoint override for {service!r} is "
                            f"{url!r}, not a URL the pack can judge.",
                            config_keys=(OVERRIDES_KEY,),
                        )
                    )
                    continue
                secret = resource.is_secret("endpointOverrides")
                found.append(Endpoint(f"{service} endpoint", url, "inline", OVERRIDES_KEY, secret))
    if auth in (None, ""):
        url, where = provider_auth_url(resource, context)
        if isinstance(url, str) and url:
            found.append(Endpoint("identity endpoint", url, where, None))
    return found, problems


def provider_region(resource: ResourceView, context: Context) -> Any:
    regions = provider_regions(resource, context)
    return context.lookup_region(regions[0][0]) if regions else None


# The sites of the local cloud on the operator's machine: `local` and its DR site `local-dr`
# (and any `local-<name>`), by the repository's naming. Only they may use loopback.
LOCAL_SITE = "local"


def local_site(context: Context) -> bool:
    """A site that may use the local cloud: a local site, not production, no health data."""
    site = context.site
    name = site.site or ""
    is_local = name == LOCAL_SITE or name.startswith(LOCAL_SITE + "-")
    return is_local and not site.production and site.holds_health_data is False
