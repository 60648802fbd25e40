"""stack-dr-distinct-region: DR and replica regions are EU regions in another city and failure
domain."""

from __future__ import annotations

from collections.abc import Iterator

from hubcore.catalogue import Region
from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule
from policies.rules.common import suggestion


def _pairs(context: Context) -> Iterator[tuple[str, str, str | None, str]]:
    """(relation, other site, its region, config key) for each DR relation the stack declares."""
    site = context.site
    protects = site.text("hub:protects")
    if protects:
        yield "protects", protects, site.site_regions.get(protects), "hub:protects"
    dr_site = site.text("hub:drSite")
    if dr_site:
        yield "is protected by", dr_site, site.site_regions.get(dr_site), "hub:drSite"


@rule(
    "stack-dr-distinct-region",
    description="DR and replica regions are EU regions in another city and failure domain.",
    remediation="Put the DR site (hub:drSite / hub:protects) and hub:replicaRegion elsewhere.",
    severity=Severity.HIGH,
    requirements=("SNC-19.1", "HDS-2.0", "CATALOGUE"),
    enforces=(
        "DR site and replica region in another EU region and failure domain (another city) than "
        "the site they protect"
    ),
    scope=Scope.STACK,
)
def stack_dr_distinct_region(context: Context) -> list[Outcome]:
    """Passes: every declared DR relation and the replica region point to another EU region in
    another failure domain (by default, another city).
    Fails: same region, same city or failure domain (GRA9 for GRA11), a non-EU or unknown DR
    region, or a DR site the repository lacks.
    Not applicable: a stack with no DR relation (or no config, as in a bare state export)."""
    site = context.site
    own = context.catalogue.lookup(site.region_name)
    if own is None:
        return [not_applicable("the stack's own region is unknown")]
    outcomes: list[Outcome] = []
    for relation, other, other_name, key in _pairs(context):
        other_region = context.catalogue.lookup(other_name)
        if other_region is None:
            outcomes.append(
                failed(
                    f"site {site.site!r} {relation} site {other!r}, whose region {other_name!r} is "
                    "not defined or not in the catalogue: the DR pairing cannot be shown to hold.",
                    value=other,
                    config_keys=(key,),
                )
            )
        elif other_region == own:
            outcomes.append(
                failed(
                    f"site {site.site!r} {relation} site {other!r} but both are in {own.code}: one "
                    f"regional outage takes both. Move the DR site to another EU region, e.g. "
                    f"{suggestion(_elsewhere(context, own))}.",
                    value=other,
                    config_keys=(key,),
                )
            )
        elif not other_region.eu:
            outcomes.append(
                failed(
                    f"site {site.site!r} {relation} site {other!r} in {other_region.code} "
                    f"({other_region.country}), outside the EU.",
                    value=other,
                    config_keys=(key,),
                )
            )
        elif other_region.domain == own.domain:
            outcomes.append(
                failed(
                    f"site {site.site!r} {relation} site {other!r}, but {own.code} and "
                    f"{other_region.code} share a failure domain ({_domain(own)}): one outage "
                    "takes both. Move the DR site to another city, e.g. "
                    f"{suggestion(_elsewhere(context, own))}.",
                    value=other,
                    config_keys=(key,),
                )
            )
        else:
            outcomes.append(passed())
    replica_name = site.text("hub:replicaRegion")
    if replica_name:
        replica = context.catalogue.lookup(replica_name)
        if replica is None or not replica.eu or replica.domain == own.domain:
            why = (
                "the same region as the site"
                if replica == own
                else f"in the site's failure domain ({_domain(own)})"
                if replica is not None and replica.eu
                else "not an EU region of the catalogue"
            )
            outcomes.append(
                failed(
                    f"hub:replicaRegion {replica_name!r} is {why}; replicas belong in another EU "
                    f"region and city, e.g. {suggestion(_elsewhere(context, own))}.",
                    value=replica_name,
                    config_keys=("hub:replicaRegion",),
                )
            )
        else:
            outcomes.append(passed())
    return outcomes or [not_applicable("no DR relation declared")]


def _domain(region: Region) -> str:
    return region.failure_domain or f"{region.city}, {region.country}"


def _elsewhere(context: Context, own: Region) -> Region:
    """The nearest EU region of another failure domain (of the same provider when possible)."""
    candidates = [r for r in context.catalogue.eu_regions() if r.domain != own.domain]
    same = [r for r in candidates if r.provider == own.provider] or candidates
    nearest = context.catalogue.nearest_eu_region(own.code)
    return nearest if nearest in same else same[0]
