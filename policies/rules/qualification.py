"""Qualification family: production health data belongs on a SecNumCloud-qualified offer.

One check, two rules (a parameterised pair), because CrossGuard's enforcement is per rule: the
same finding is mandatory wherever production health data lives, and advisory everywhere else
(staging), where an EU, HDS-certified offer is acceptable until it serves production.

Production health data lives on every provider of a production health-data site: its own
region and its replica region (a replica is a copy of production data, every day), and on the
site that protects a production site (its DR site holds the same data and takes over on
failover: policies.model.SiteFacts.production counts it as production). An earlier version made
the replica region and the DR site advisory; the shipped `dr` site and prod's replicas sat on
Public Cloud SBG5 under that reading, and now run on the pod's EU-WEST-SBG-SNC.
"""

from __future__ import annotations

from typing import Any

from hubcore.catalogue import Region
from policies.model import Context, Outcome, ResourceView, failed, is_known, not_applicable, passed
from policies.registry import Enforcement, Rule, Scope, Severity, register
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


def _production(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a SecNumCloud offer. Fails: any other offer, for any provider of a production
    health-data site (its replica region included) or of the site that protects one.
    Not applicable: other sites."""
    return judge(resource, context, production=True)


def _advisory(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a SecNumCloud offer. Fails (advisory): any other offer, wherever the production
    rule does not apply."""
    return judge(resource, context, production=False)


register(
    Rule(
        id="qualification-secnumcloud-production",
        description="Production health data runs on a SecNumCloud-qualified offer.",
        remediation="Move the site to a SecNumCloud offer of the catalogue (e.g. EU-WEST-RBX-SNC).",
        severity=Severity.HIGH,
        requirements=("SNC-QUALIFIED", "HDS-2.0", "CATALOGUE"),
        enforces=(
            "a production health-data site runs on a SecNumCloud offer (never the local cloud)"
        ),
        enforcement=Enforcement.MANDATORY,
        scope=Scope.RESOURCE,
        applies_to=PROVIDER,
        check=_production,
    )
)
register(
    Rule(
        id="qualification-secnumcloud-advisory",
        description=(
            "Sites without production health data are told when their offer is not qualified."
        ),
        remediation="Plan a SecNumCloud offer before this site serves production health data.",
        severity=Severity.MEDIUM,
        requirements=("SNC-QUALIFIED", "CATALOGUE"),
        enforces="everywhere else, a non-qualified offer is reported (not the local cloud)",
        enforcement=Enforcement.ADVISORY,
        applies_to=PROVIDER,
        scope=Scope.RESOURCE,
        check=_advisory,
    )
)
