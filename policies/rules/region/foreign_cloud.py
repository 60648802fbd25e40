"""region-foreign-cloud: other clouds' providers reach an EU-headquartered operator, in a region
of it the catalogue lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hubcore.catalogue import Provider, Region
from hubcore.resource_types import PROVIDER_PREFIX, package_of
from policies.known_types import ForeignCloud, foreign_cloud
from policies.model import (
    Context,
    Outcome,
    Reading,
    ResourceView,
    failed,
    not_applicable,
    passed,
)
from policies.registry import Severity, rule
from policies.rules.common import (
    cannot_judge,
    decoded,
    describe,
)


def _values(value: Any) -> Iterable[Any]:
    value = decoded(value)
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    else:
        yield value


def operator_of(
    resource: ResourceView, cloud: ForeignCloud, context: Context
) -> tuple[str | None, str]:
    """(catalogue operator key or None, why) a provider of another cloud reaches.

    A universe domain or endpoint overrides decide; else the package's own operator.
    None: the endpoints cannot be read or belong to no catalogue operator (fail closed).
    """
    catalogue = context.catalogue
    for prop in cloud.universe_inputs:
        value = resource.get(prop)
        if value in (None, ""):
            continue
        reading = context.reading(resource, prop, value)
        if not reading.readable or not isinstance(value, str):
            return None, f"its {prop} cannot be read"
        key = catalogue.provider_of_host(value.strip().lstrip("."))
        if key is None or value != value.strip():
            return None, f"its {prop} {value!r} is the domain of no catalogue operator"
        return key, f"{prop} {value}"
    operators: set[str] = set()
    for prop in cloud.endpoint_inputs:
        value = resource.get(prop)
        if value in (None, "", [], {}):
            continue
        if not context.reading(resource, prop, value).readable:
            return None, f"its {prop} cannot be read"
        for url in _values(value):
            if url in (None, ""):
                continue
            key = catalogue.provider_of_endpoint(url) if isinstance(url, str) else None
            if key is None:
                return None, f"endpoint {url!r} belongs to no catalogue operator"
            operators.add(key)
    if len(operators) > 1:
        return None, f"its endpoints reach several operators ({', '.join(sorted(operators))})"
    if operators:
        return operators.pop(), "its endpoints"
    return cloud.operator, f"the {package_of(resource.type)} package's own endpoints"


def foreign_region(context: Context, name: Any, api: str) -> Region | None:
    region = context.catalogue.exact(name, api)
    if region is None and api == "gcp" and isinstance(name, str):
        # Google Cloud reads locations case-insensitively (`EU`, `eu`); never padded ones.
        region = context.catalogue.exact(name.lower(), api)
    return region


def _locations(
    resource: ResourceView, props: tuple[str, ...], context: Context
) -> tuple[list[tuple[str, Any]], list[Outcome]]:
    found: list[tuple[str, Any]] = []
    problems: list[Outcome] = []
    for prop in props:
        value = resource.get(prop)
        if value in (None, ""):
            continue
        reading = context.reading(resource, prop, value)
        if reading is Reading.COMPUTED:
            continue
        if not reading.readable:
            problems.append(cannot_judge(resource, prop, reading, "where it runs"))
            continue
        found.append((prop, value))
    return found, problems


def _operator_verdict(
    resource: ResourceView, operator: Provider, why: str, locations: list[tuple[str, Any]]
) -> Outcome:
    where = ", ".join(f"{prop} {value!r}" for prop, value in locations) or "no location"
    return failed(
        f"{describe(resource)} reaches {operator.name} through {why} ({where}): an operator "
        f"headquartered in {operator.headquarters}, outside the EU, so its services answer to "
        "non-EU law whatever the region's city. Use an EU operator's offer the catalogue lists "
        "(an OpenStack region, S3NS under universe domain s3nsapis.fr, Outscale "
        "cloudgouv-eu-west-1).",
    )


@rule(
    "region-foreign-cloud",
    description="Providers of other clouds reach an EU operator, in a region the catalogue lists.",
    remediation="Use an EU operator's region from the catalogue, or the hub's OpenStack providers.",
    severity=Severity.CRITICAL,
    requirements=("SNC-19.6", "SNC-19.1", "HDS-2.0", "CATALOGUE"),
    enforces=(
        "providers and resources of other clouds (aws, azure-native, azure, gcp, google-native, "
        "alicloud, oci, digitalocean, outscale) reach an EU-headquartered operator, in a region of "
        "it the catalogue lists (S3NS `u-france-east1` under universe domain `s3nsapis.fr`, "
        "Outscale `cloudgouv-eu-west-1`); AWS `eu-west-3`, Azure `francecentral`, Google "
        "`europe-west9` fail"
    ),
    applies_to=("*",),
)
def region_foreign_cloud(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: a provider (or resource) of another cloud whose endpoints reach an operator
    headquartered in the EU, in a region, zone or location of that operator the catalogue lists.
    Fails: an operator outside the EU (AWS, Azure, Google Cloud, even in their EU regions); a
    region the catalogue does not list for the operator; no readable location (a resource falls
    back to its provider's, then fails); endpoints that cannot be read or belong to no operator.
    Not applicable: packages of the hub's own clouds (openstack, tls) and unknown packages
    (inventory-known-type refuses those)."""
    cloud = foreign_cloud(resource.type)
    if cloud is None:
        return [not_applicable("not another cloud's package")]
    provider = (
        resource if resource.type.startswith(PROVIDER_PREFIX) else context.provider_of(resource)
    )
    if provider is None:
        return [
            failed(
                f"{describe(resource)} is a resource of another cloud whose provider cannot be "
                "found, so neither its operator nor its region can be judged.",
            )
        ]
    key, why = operator_of(provider, cloud, context)
    if key is None:
        return [
            failed(
                f"{describe(resource)}: {why}, so the operator it reaches cannot be shown to be "
                "under EU law.",
            )
        ]
    operator = context.catalogue.providers[key]
    props = cloud.provider_locations if resource is provider else cloud.resource_locations
    locations, problems = _locations(resource, props, context)
    if not locations and resource is not provider:
        locations, problems = _locations(provider, cloud.provider_locations, context)
    if not operator.eu:
        return [_operator_verdict(resource, operator, why, locations), *problems]
    if problems:
        return problems
    if not locations:
        return [
            failed(
                f"{describe(resource)} sets no region, zone or location and neither does its "
                "provider, so where it runs would be decided outside the review.",
            )
        ]
    outcomes: list[Outcome] = []
    for prop, value in locations:
        region = foreign_region(context, value, cloud.api)
        if region is None or region.provider != key:
            offers = sorted(r.code for r in context.catalogue.regions if r.provider == key and r.eu)
            outcomes.append(
                failed(
                    f"{describe(resource)}: {prop} {value!r} is not a region of {operator.name} "
                    f"that the catalogue lists (as written), so it cannot be shown to be in the "
                    f"EU. Listed: {', '.join(offers) or 'none'}.",
                )
            )
        elif not region.eu:
            outcomes.append(
                failed(
                    f"{describe(resource)}: {prop} {value!r} is in {region.city}, "
                    f"{region.country}, outside the EU.",
                )
            )
        else:
            outcomes.append(passed())
    return outcomes
