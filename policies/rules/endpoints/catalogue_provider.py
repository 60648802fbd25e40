"""endpoints-catalogue-provider: Identity endpoints and overrides belong to the EU operator of the
region."""

from __future__ import annotations

from hubcore.catalogue import is_loopback_url
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.common import suggestion
from policies.rules.endpoints.common import PROVIDER, endpoints, provider_region


@rule(
    "endpoints-catalogue-provider",
    description="Identity endpoints and overrides belong to the EU operator of the region.",
    remediation="Use the endpoints the catalogue lists for the region (hubcore/catalogue.yaml).",
    severity=Severity.HIGH,
    requirements=("SNC-19.6", "CATALOGUE"),
    enforces=(
        "identity and endpoint overrides (inline, JSON-encoded or from clouds.yaml) belong to the "
        "EU operator of the provider's region; unreadable overrides fail"
    ),
    applies_to=PROVIDER,
)
def endpoints_catalogue_provider(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: every endpoint host (inline or from clouds.yaml) is served by a catalogue operator
    headquartered in the EU, the one that runs the provider's region (loopback endpoints are
    judged by endpoints-loopback-local-only).
    Fails: any other host, an operator outside the EU or other than the region's, an override
    map the pack cannot read, an override that is not a URL.
    Not applicable: no endpoint at all (region-identity-endpoint-eu reports that)."""
    catalogue = context.catalogue
    region = provider_region(resource, context)
    found, problems = endpoints(resource, context)
    findings: list[Outcome] = list(problems)
    for endpoint in found:
        if is_loopback_url(endpoint.url):
            continue
        key = catalogue.provider_of_endpoint(endpoint.url)
        host = endpoint.host
        value = None if endpoint.secret else endpoint.url
        nearest = (
            region
            if region is not None and region.eu and not region.loopback
            else catalogue.nearest_eu_region(None)
        )
        expected = nearest.identity_endpoint or "the endpoint the provider gives for the region"
        if key is None:
            findings.append(
                failed(
                    f"{endpoint.subject(resource)} {host} belongs to no provider "
                    "of the region catalogue, so nothing says which jurisdiction runs it. Use "
                    f"{expected} ({suggestion(nearest)}) or add the provider to "
                    "hubcore/catalogue.yaml.",
                    value=value,
                    config_keys=(endpoint.config_key,) if endpoint.config_key else (),
                )
            )
            continue
        operator = catalogue.providers[key]
        if not operator.eu:
            findings.append(
                failed(
                    f"{endpoint.subject(resource)} {host} is run by {operator.name} "
                    f"(headquarters {operator.headquarters}, outside the EU): requests and "
                    f"credentials would leave EU law. Use {expected} ({suggestion(nearest)}).",
                    value=value,
                    config_keys=(endpoint.config_key,) if endpoint.config_key else (),
                )
            )
        elif region is not None and region.provider != key and not region.loopback:
            findings.append(
                failed(
                    f"{endpoint.subject(resource)} {host} is run by {operator.name}, but region "
                    f"{region.code} is {catalogue.providers[region.provider].name}'s: the "
                    "provider would send the region's requests to another operator.",
                    value=value,
                    config_keys=(endpoint.config_key,) if endpoint.config_key else (),
                )
            )
    if findings:
        return findings
    return [passed()] if found else [not_applicable("no readable endpoint")]
