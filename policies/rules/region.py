"""Region family: where resources run and which identity service they authenticate against.

Both rules fail closed: a region the catalogue does not know is a violation (it cannot be shown
to be in the EU), and every message names the nearest region the hub may use instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hubcore.catalogue import EU_MEMBER_STATES, Region
from policies.model import Context, Outcome, ResourceView, failed, is_known, not_applicable, passed
from policies.registry import Severity, rule

REGION_KEYS = ("openstack:region", "hub:replicaRegion")


def describe(resource: ResourceView) -> str:
    kind = "provider" if resource.is_provider else resource.type.rsplit(":", 1)[-1]
    return f"{kind} {resource.name!r}"


def suggestion(region: Region) -> str:
    return f"{region.code} ({region.city}, {region.country})"


def judge_region(context: Context, name: str, subject: str) -> Outcome:
    """PASS for a catalogue region in the EU; FAIL, naming the nearest EU region, otherwise."""
    catalogue = context.catalogue
    region = catalogue.lookup(name)
    nearest = catalogue.nearest_eu_region(name)
    if region is None:
        return failed(
            f"{subject} uses region {name!r}, which the region catalogue (hubcore/catalogue.yaml) "
            f"does not know, so it cannot be shown to be in the EU. Use {suggestion(nearest)}, "
            "the nearest allowed region, or add the region to the catalogue with its country.",
            value=name,
            config_keys=REGION_KEYS,
        )
    if not region.eu:
        return failed(
            f"{subject} uses region {name!r} ({region.city}, {region.country}), outside the "
            f"European Union. Move it to {suggestion(nearest)}, the nearest allowed region.",
            value=name,
            config_keys=REGION_KEYS,
        )
    return passed()


@rule(
    "region-eu-only",
    family="region",
    description="OpenStack providers and resources with a region run in an EU catalogue region.",
    remediation="Set openstack:region (or the resource's region) to an EU region of the catalogue.",
    severity=Severity.CRITICAL,
    applies_to=("pulumi:providers:openstack", "openstack:*"),
)
def region_eu_only(resource: ResourceView, context: Context) -> Outcome:
    """Passes: an EU region of the catalogue (code, alias or zone, any case).
    Fails: a non-EU region, an unknown or mis-spelled one, or a provider with no region at all.
    Not applicable: a resource that inherits its provider's region (the provider is judged).
    """
    region = resource.get("region")
    if region in (None, ""):
        if not resource.is_provider:
            return not_applicable("inherits its provider's region")
        nearest = context.catalogue.nearest_eu_region(None)
        return failed(
            f"{describe(resource)} sets no region, so the region would come from the "
            "environment (OS_REGION_NAME) where no review sees it. Set openstack:region, e.g. "
            f"to {suggestion(nearest)}.",
            config_keys=("openstack:region",),
        )
    if not is_known(region):
        return not_applicable("the region is not known before the update")
    return judge_region(context, str(region), describe(resource))


@rule(
    "region-identity-endpoint-eu",
    family="region",
    description="OpenStack providers authenticate against an identity service under EU law.",
    remediation="Point openstack:authUrl at the EU identity endpoint of the catalogue region.",
    severity=Severity.CRITICAL,
    applies_to=("pulumi:providers:openstack",),
)
def region_identity_endpoint_eu(resource: ResourceView, context: Context) -> Outcome:
    """Passes: the identity endpoint belongs to a catalogue provider headquartered in the EU.
    Fails: it belongs to a provider outside the EU (OVHcloud US), whatever the region says.
    Not applicable: no endpoint (clouds.yaml), a secret one offline (the engine run sees it
    decrypted), or a host no catalogue provider serves (endpoints-catalogue-provider reports it).
    """
    url = resource.get("authUrl")
    if url in (None, ""):
        return not_applicable("no authUrl: the endpoint comes from clouds.yaml or OS_AUTH_URL")
    if not is_known(url):
        return not_applicable("authUrl is a secret here; the engine run checks it decrypted")
    catalogue = context.catalogue
    key = catalogue.provider_of_endpoint(str(url))
    if key is None:
        return not_applicable("endpoint of no catalogue provider")
    provider = catalogue.providers[key]
    if provider.headquarters in EU_MEMBER_STATES:
        return passed()
    region_name = resource.get("region")
    nearest = catalogue.nearest_eu_region(str(region_name) if is_known(region_name) else None)
    host = urlsplit(str(url)).hostname
    return failed(
        f"{describe(resource)} authenticates against {host}, the identity service of "
        f"{provider.name} (headquarters {provider.headquarters}, outside the EU), whatever its "
        f"region {region_name!r} says. Use {nearest.identity_endpoint or 'the EU endpoint'} of "
        f"{suggestion(nearest)}, the nearest allowed region.",
        value=str(url),
        config_keys=("openstack:authUrl",),
    )
