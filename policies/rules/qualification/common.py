"""What the two qualification rules share: the provider's region, whether it is the site's own,
and the one judgement both rules give (mandatory where production health data lives, advisory
elsewhere). Registers no rule."""

from __future__ import annotations

from typing import Any

from hubcore.catalogue import Region
from policies.model import Context, Outcome, ResourceView, failed, is_known, not_applicable, passed
from policies.rules.common import describe, provider_regions, site_region

PROVIDER = ("pulumi:providers:openstack",)


def provider_region(resource: ResourceView, context: Context) -> tuple[Any, Region | None]:
    """The region the provider uses (inline, else its clouds.yaml entry's) and its entry."""
    regions = provider_regions(resource, context)
    if not regions:
        return None, None
    return regions[0][0], context.lookup_region(regions[0][0])


def is_site_provider(resource: ResourceView, context: Context) -> bool:
    """The provider of the site's own region (not a replica provider of another region)."""
    own = site_region(context)
    if own is None:
        return True
    return provider_region(resource, context)[1] in (own, None)


def production_rule_applies(resource: ResourceView, context: Context) -> bool:
    """Every provider of a production health-data site, its replica providers included."""
    site = context.site
    return bool(site.production and site.holds_health_data)


def judge(resource: ResourceView, context: Context, *, production: bool) -> Outcome:
    if production_rule_applies(resource, context) != production:
        return not_applicable(
            "the site's own provider with production health data"
            if production
            else "judged by qualification-secnumcloud-production"
        )
    name, region = provider_region(resource, context)
    if region is None:
        return not_applicable("unknown region: region-eu-only reports it")
    if region.secnumcloud:
        return passed()
    if region.loopback and not production:
        return not_applicable("the local cloud on the operator's machine is never qualified")
    qualified = [r for r in context.catalogue.eu_regions() if r.secnumcloud and r.openstack]
    offers = ", ".join(r.code for r in qualified) or "none in the catalogue"
    if production and not is_site_provider(resource, context):
        why = "it holds replicas of production health data, which are production data"
    elif production and context.site.protects_production:
        why = (
            "this site protects a production site: it holds its health data and takes over "
            "production on failover"
        )
    elif production:
        why = "the stack holds production health data"
    else:
        why = "advisory here, required before this site holds production health data"
    return failed(
        f"{describe(resource)} runs on {region.code} ({region.offer} of {region.provider}), "
        f"which is not SecNumCloud-qualified; {why}. Qualified OpenStack offers in the "
        f"catalogue: {offers}.",
        value=str(name) if is_known(name) else None,
        config_keys=("openstack:region", "hub:replicaRegion"),
    )
