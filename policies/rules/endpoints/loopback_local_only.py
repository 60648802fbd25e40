"""endpoints-loopback-local-only: Loopback endpoints are used by the local sites' regions only, and
they only."""

from __future__ import annotations

from hubcore.catalogue import is_loopback_url
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.common import describe
from policies.rules.endpoints.common import PROVIDER, endpoints, local_site, provider_region


@rule(
    "endpoints-loopback-local-only",
    description="Loopback endpoints are used by the local sites' regions only, and they only.",
    remediation="Use loopback URLs only with the local site's LOCAL regions.",
    severity=Severity.HIGH,
    requirements=("CATALOGUE",),
    enforces=(
        "loopback endpoints only with the local cloud's regions, those regions only with loopback "
        "endpoints, and only on local sites (not production, no health data)"
    ),
    applies_to=PROVIDER,
)
def endpoints_loopback_local_only(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: loopback endpoints on a loopback region of a local site (not production, no
    health data), public endpoints elsewhere.
    Fails: a loopback endpoint on a real region (traffic would go to whatever listens locally),
    a public endpoint on a loopback region (local data would leave the machine), or a loopback
    region on a production, health-data or unknown site.
    Not applicable: unknown region (region-eu-only reports it) or no readable endpoint."""
    region = provider_region(resource, context)
    if region is None:
        return [not_applicable("unknown region")]
    findings: list[Outcome] = []
    if region.loopback and not local_site(context):
        findings.append(
            failed(
                f"{describe(resource)} runs on {region.code}, the local cloud on the operator's "
                f"machine, but site {context.site.site!r} is not one of the local sites (or is "
                "production, or holds health data): only they may use the local cloud.",
                value=region.code,
                config_keys=("openstack:region",),
            )
        )
    found, _ = endpoints(resource, context)
    for endpoint in found:
        loopback = is_loopback_url(endpoint.url)
        key = (endpoint.config_key,) if endpoint.config_key else ()
        if loopback and not region.loopback:
            findings.append(
                failed(
                    f"{endpoint.subject(resource)} {endpoint.shown} is a loopback address but "
                    f"region {region.code} is a real cloud region; only the local site's regions "
                    f"use loopback. Use {region.identity_endpoint or 'the region endpoint'}.",
                    value=None if endpoint.secret else endpoint.url,
                    config_keys=key,
                )
            )
        elif region.loopback and not loopback:
            findings.append(
                failed(
                    f"{endpoint.subject(resource)} {endpoint.shown} is not a loopback address but "
                    f"region {region.code} is the local cloud, reached on loopback only "
                    f"({region.identity_endpoint}).",
                    value=None if endpoint.secret else endpoint.url,
                    config_keys=key,
                )
            )
    if findings:
        return findings
    return [passed()] if found else [not_applicable("no readable endpoint")]
