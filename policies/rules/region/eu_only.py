"""region-eu-only: providers and resources run in an EU region of the catalogue, spelled as it
lists it."""

from __future__ import annotations

from typing import Any

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
    cloud_name,
    describe,
    provider_regions,
    suggestion,
)

REGION_KEYS = ("openstack:region", "hub:replicaRegion")


def judge_region(context: Context, name: Any, subject: str) -> Outcome:
    """PASS for an EU catalogue region spelled as the catalogue lists it; FAIL otherwise."""
    catalogue = context.catalogue
    text = name if isinstance(name, str) else repr(name)
    region = catalogue.exact(name)
    if region is None:
        meant = catalogue.lookup(text)
        nearest = catalogue.nearest_eu_region(text)
        if meant is not None:
            return failed(
                f"{subject} uses region {text!r}, which is not spelled as the catalogue lists "
                f"it: the provider sends it as written and OpenStack region names are exact. "
                f"Write {meant.code!r} ({meant.city}, {meant.country}).",
                value=text,
                config_keys=REGION_KEYS,
            )
        return failed(
            f"{subject} uses region {text!r}, which the region catalogue (hubcore/catalogue.yaml) "
            f"does not know, so it cannot be shown to be in the EU. Use {suggestion(nearest)}, "
            "the nearest allowed region, or add the region to the catalogue with its country.",
            value=text,
            config_keys=REGION_KEYS,
        )
    if not region.eu:
        nearest = catalogue.nearest_eu_region(text)
        return failed(
            f"{subject} uses region {text!r} ({region.city}, {region.country}), outside the "
            f"European Union. Move it to {suggestion(nearest)}, the nearest allowed region.",
            value=text,
            config_keys=REGION_KEYS,
        )
    return passed()


@rule(
    "region-eu-only",
    description="OpenStack providers and resources with a region run in an EU catalogue region.",
    remediation="Set openstack:region (or the resource's region) to an EU region of the catalogue.",
    severity=Severity.CRITICAL,
    requirements=("SNC-19.1", "HDS-2.0", "CATALOGUE"),
    enforces=(
        "providers and resources with a region run in an EU catalogue region, spelled as the "
        "catalogue lists it (inline or from clouds.yaml); unknown, padded or unreadable regions "
        "fail closed, the message names the nearest allowed region"
    ),
    applies_to=("pulumi:providers:openstack", "openstack:*"),
)
def region_eu_only(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: an EU region of the catalogue, spelled as the catalogue lists it (code, alias or
    zone), inline or in the clouds.yaml entry the provider names.
    Fails: a non-EU region, an unknown, mis-spelled or padded one, one that cannot be read (a
    secret offline, an unknown from config), or a provider with no region at all.
    Not applicable: a resource that inherits its provider's region (the provider is judged), or
    a region computed by resources of the stack (judged when known)."""
    if not resource.is_provider:
        own = resource.get("region")
        if own in (None, ""):
            return [not_applicable("inherits its provider's region")]
        reading = context.reading(resource, "region", own)
        if reading is Reading.COMPUTED:
            return [not_applicable("region computed by resources of the stack")]
        if not reading.readable:
            return [cannot_judge(resource, "region", reading, "where it runs")]
        return [judge_region(context, own, describe(resource))]
    inline = resource.get("region")
    if inline not in (None, ""):
        reading = context.reading(resource, "region", inline)
        if reading is Reading.COMPUTED:
            return [not_applicable("region computed by resources of the stack")]
        if not reading.readable:
            return [
                cannot_judge(
                    resource,
                    "region",
                    reading,
                    "where the provider runs",
                    config_keys=("openstack:region",),
                    remedy="Set openstack:region in plain text: a region is not a secret.",
                )
            ]
    regions = provider_regions(resource, context)
    if not regions:
        nearest = context.catalogue.nearest_eu_region(None)
        entry = cloud_name(resource, context)
        where = (
            f" and its clouds.yaml entry {entry!r} gives none it can read"
            if entry is not None
            else ""
        )
        return [
            failed(
                f"{describe(resource)} sets no region{where}, so the region would come from the "
                "environment (OS_REGION_NAME) where no review sees it. Set openstack:region, e.g. "
                f"to {suggestion(nearest)}.",
                config_keys=("openstack:region",),
            )
        ]
    outcomes = []
    for value, where in regions:
        subject = describe(resource) + ("" if where == "inline" else f" (through {where})")
        outcomes.append(judge_region(context, value, subject))
    return outcomes
