"""Endpoints family: the URLs a provider talks to belong to a catalogue provider.

A provider's identity endpoint (authUrl) and its endpoint overrides (object storage among them)
are judged by host: it must be served by a provider of the catalogue, or be a loopback address,
and loopback addresses belong to the local sovereign cloud only.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from hubcore.catalogue import is_loopback_url
from policies.model import Context, Outcome, ResourceView, failed, is_known, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.region import describe, suggestion

PROVIDER = ("pulumi:providers:openstack",)


def endpoints(resource: ResourceView) -> Iterator[tuple[str, str, str | None]]:
    """(what, url, config key) for every readable endpoint the provider sets."""
    auth = resource.get("authUrl")
    if is_known(auth) and auth:
        yield "identity endpoint", str(auth), "openstack:authUrl"
    overrides = resource.get("endpointOverrides")
    if isinstance(overrides, dict):
        for service, url in sorted(overrides.items()):
            if is_known(url) and url:
                yield f"{service} endpoint", str(url), "openstack:endpointOverrides"


@rule(
    "endpoints-catalogue-provider",
    family="endpoints",
    description="Identity and object-storage endpoints belong to a provider of the catalogue.",
    remediation="Use the endpoints the catalogue lists for the region (hubcore/catalogue.yaml).",
    severity=Severity.HIGH,
    applies_to=PROVIDER,
)
def endpoints_catalogue_provider(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: every endpoint host is served by a catalogue provider (or is loopback, which
    endpoints-loopback-local-only judges). Fails: any other host.
    Not applicable: no readable endpoint (secret offline, or clouds.yaml)."""
    catalogue = context.catalogue
    region = context.lookup_region(resource.get("region"))
    found = list(endpoints(resource))
    findings: list[Outcome] = []
    for what, url, key in found:
        if is_loopback_url(url) or catalogue.provider_of_endpoint(url) is not None:
            continue
        nearest = (
            region
            if region is not None and region.eu
            else catalogue.nearest_eu_region(str(resource.get("region") or ""))
        )
        expected = nearest.identity_endpoint or "the endpoint the provider gives for the region"
        findings.append(
            failed(
                f"{describe(resource)}: {what} {urlsplit(url).hostname} belongs to no provider of "
                f"the region catalogue, so nothing says which jurisdiction runs it. Use {expected} "
                f"({suggestion(nearest)}) or add the provider to hubcore/catalogue.yaml.",
                value=url,
                config_keys=(key,) if key else (),
            )
        )
    if findings:
        return findings
    return [passed()] if found else [not_applicable("no readable endpoint")]


@rule(
    "endpoints-loopback-local-only",
    family="endpoints",
    description="Loopback endpoints are used by the local cloud's regions only, and they only.",
    remediation="Use loopback URLs only with the local site's LOCAL regions.",
    severity=Severity.HIGH,
    applies_to=PROVIDER,
)
def endpoints_loopback_local_only(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: loopback endpoints on a loopback region, public endpoints elsewhere.
    Fails: a loopback endpoint on a real region (traffic would go to whatever listens locally),
    or a public endpoint on a loopback region (local data would leave the machine).
    Not applicable: unknown region (region-eu-only reports it) or no readable endpoint."""
    region = context.lookup_region(resource.get("region"))
    if region is None:
        return [not_applicable("unknown region")]
    found = list(endpoints(resource))
    findings: list[Outcome] = []
    for what, url, key in found:
        loopback = is_loopback_url(url)
        if loopback and not region.loopback:
            findings.append(
                failed(
                    f"{describe(resource)}: {what} {url} is a loopback address but region "
                    f"{region.code} is a real cloud region; only the local site's regions use "
                    f"loopback. Use {region.identity_endpoint or 'the region endpoint'}.",
                    value=url,
                    config_keys=(key,) if key else (),
                )
            )
        elif region.loopback and not loopback:
            findings.append(
                failed(
                    f"{describe(resource)}: {what} {url} is not a loopback address but region "
                    f"{region.code} is the local cloud, reached on loopback only "
                    f"({region.identity_endpoint}).",
                    value=url,
                    config_keys=(key,) if key else (),
                )
            )
    if findings:
        return findings
    return [passed()] if found else [not_applicable("no readable endpoint")]
