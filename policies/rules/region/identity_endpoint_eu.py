"""region-identity-endpoint-eu: the identity endpoint belongs to an EU-headquartered provider."""

from __future__ import annotations

from policies.model import (
    Context,
    Outcome,
    Reading,
    ResourceView,
    Status,
    failed,
    not_applicable,
    passed,
)
from policies.registry import Severity, rule
from policies.rules.common import (
    cannot_judge,
    describe,
    provider_auth_url,
    provider_regions,
    suggestion,
    url_parts,
)

IDENTITY_DOMAIN_KEY = "hub:identityDomain"


def _identity_domain(context: Context) -> str | None:
    if context.site.is_secret(IDENTITY_DOMAIN_KEY):
        return None
    return context.site.text(IDENTITY_DOMAIN_KEY)


def _in_domain(host: str, domain: str) -> bool:
    host, domain = host.lower().rstrip("."), domain.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


def _judge_identity_host(
    resource: ResourceView, context: Context, host: str, shown: str, url: str | None
) -> Outcome:
    catalogue = context.catalogue
    key = catalogue.provider_of_host(host)
    if key is None:
        return not_applicable("endpoint of no catalogue provider")
    provider = catalogue.providers[key]
    if provider.eu:
        return passed()
    region_name = resource.get("region")
    nearest = catalogue.nearest_eu_region(region_name if isinstance(region_name, str) else None)
    return failed(
        f"{describe(resource)} authenticates against {shown}, the identity service of "
        f"{provider.name} (headquarters {provider.headquarters}, outside the EU), whatever its "
        f"region says. Use {nearest.identity_endpoint or 'the EU endpoint'} of "
        f"{suggestion(nearest)}, the nearest allowed region.",
        value=url,
        config_keys=("openstack:authUrl", IDENTITY_DOMAIN_KEY),
    )


@rule(
    "region-identity-endpoint-eu",
    description="OpenStack providers authenticate against an identity service under EU law.",
    remediation="Point openstack:authUrl at the EU identity endpoint of the catalogue region.",
    severity=Severity.CRITICAL,
    requirements=("SNC-19.6", "SNC-19.1", "CATALOGUE"),
    enforces=(
        "the identity endpoint belongs to an EU-headquartered provider, whatever the region says; "
        "a secret one through `hub:identityDomain` (and, under the engine, agreeing with it); none "
        "at all fails"
    ),
    applies_to=("pulumi:providers:openstack",),
)
def region_identity_endpoint_eu(resource: ResourceView, context: Context) -> Outcome:
    """Passes: the identity endpoint (inline or from clouds.yaml) belongs to a catalogue provider
    headquartered in the EU. A secret endpoint is judged offline through the site's plain
    companion fact hub:identityDomain; under the engine, where the secret is visible, the
    endpoint must also lie inside that domain.
    Fails: a provider outside the EU (OVHcloud US) whatever the region says; a secret endpoint
    with no companion domain, or one outside it; no endpoint at all (OS_AUTH_URL would decide);
    an endpoint that cannot be read.
    Not applicable: a host no catalogue provider serves (endpoints-catalogue-provider reports
    it), an endpoint computed by resources of the stack."""
    url, where = provider_auth_url(resource, context)
    domain = _identity_domain(context)
    if url is None:
        return failed(
            f"{describe(resource)} sets no identity endpoint (openstack:authUrl, or a clouds.yaml "
            "entry with auth_url), so it would come from OS_AUTH_URL, where no review sees it. "
            "Set openstack:authUrl.",
            config_keys=("openstack:authUrl",),
        )
    reading = context.reading(resource, "authUrl", url) if where == "inline" else Reading.VALUE
    if reading is Reading.COMPUTED:
        return not_applicable("identity endpoint computed by resources of the stack")
    if reading is Reading.SECRET:
        if domain is None:
            return cannot_judge(
                resource,
                "authUrl",
                reading,
                "which jurisdiction runs its identity service",
                config_keys=("openstack:authUrl",),
                remedy=(
                    f"Declare the endpoint's domain in plain text as {IDENTITY_DOMAIN_KEY} (in "
                    "stacks/sites.yaml): the pack judges it offline and checks the secret "
                    "agrees with it under the engine."
                ),
            )
        judged = _judge_identity_host(resource, context, domain, f"domain {domain}", domain)
        operator = context.catalogue.provider_of_host(domain)
        regions = provider_regions(resource, context)
        region = context.lookup_region(regions[0][0]) if regions else None
        if (
            judged.status is Status.PASS
            and region is not None
            and not region.loopback
            and operator != region.provider
        ):
            return failed(
                f"{describe(resource)}: {IDENTITY_DOMAIN_KEY} {domain!r} is a domain of "
                f"{context.catalogue.providers[operator or ''].name if operator else 'nobody'}, "
                f"but region {region.code} is "
                f"{context.catalogue.providers[region.provider].name}'s: the secret endpoint "
                "would authenticate with another operator than the one running the region.",
                value=domain,
                config_keys=(IDENTITY_DOMAIN_KEY,),
            )
        if judged.status is Status.NOT_APPLICABLE:
            return failed(
                f"{describe(resource)}: {IDENTITY_DOMAIN_KEY} {domain!r} is the domain of no "
                "provider of the region catalogue, so the secret identity endpoint cannot be "
                "shown to be under EU law.",
                value=domain,
                config_keys=(IDENTITY_DOMAIN_KEY,),
            )
        return judged
    if not reading.readable or not isinstance(url, str):
        return cannot_judge(
            resource, "authUrl", reading, "the identity service", config_keys=("openstack:authUrl",)
        )
    parts = url_parts(url)
    if parts is None or parts[1] is None:
        shown = url if where == "inline" and not resource.is_secret("authUrl") else f"({where})"
        return failed(
            f"{describe(resource)}: identity endpoint {shown} cannot be parsed as a URL with a "
            "host, so its jurisdiction cannot be judged.",
            config_keys=("openstack:authUrl",),
        )
    host = parts[1]
    secret = resource.is_secret("authUrl")
    if secret and domain is not None and not _in_domain(host, domain):
        return failed(
            f"{describe(resource)}: the secret identity endpoint does not lie inside "
            f"{IDENTITY_DOMAIN_KEY} {domain!r}, the domain the site declares for it; the "
            "offline check judged that domain, so the two must agree.",
            config_keys=(IDENTITY_DOMAIN_KEY,),
        )
    shown = "[secret]" if secret else host
    return _judge_identity_host(resource, context, host, shown, None if secret else url)
