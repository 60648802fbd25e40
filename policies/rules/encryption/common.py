"""What several rules of the encryption family share. Registers no rule."""

from __future__ import annotations

from typing import Any

from hubcore.catalogue import Region
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.rules.common import provider_regions


def region_of(resource: ResourceView, context: Context) -> tuple[Any, Region | None]:
    """The region value a resource lives in (its own, else its provider's) and its entry."""
    own = resource.get("region")
    if own not in (None, ""):
        return own, context.lookup_region(own)
    provider = context.provider_of(resource)
    regions = provider_regions(provider, context) if provider is not None else []
    if not regions:
        return None, None
    return regions[0][0], context.lookup_region(regions[0][0])


def luks_everywhere(context: Context) -> set[str]:
    return {t for r in context.catalogue.regions for t in r.luks_volume_types}


def judge_volume_type(
    subject: str, volume_type: Any, region: Region | None, context: Context
) -> Outcome:
    """PASS for a LUKS type of the region; FAIL for none, any other type or no LUKS region."""
    if region is None:
        # Fail closed: without a region, only a type that is LUKS somewhere may pass on to
        # region-eu-only's verdict; any other type is unencrypted wherever the volume is.
        everywhere = luks_everywhere(context)
        if volume_type in everywhere:
            return not_applicable("unknown region: region-eu-only reports it")
        return failed(
            f"{subject} uses volume type {volume_type!r}, which no catalogue region offers as "
            f"encrypted (LUKS types: {', '.join(sorted(everywhere))}).",
            value=str(volume_type) if volume_type else None,
            config_keys=("hub:volumeType",),
        )
    offered = ", ".join(region.luks_volume_types) or "none: use another region"
    if volume_type in (None, ""):
        return failed(
            f"{subject} sets no volume type, so it gets the cloud's default type, which is not "
            f"encrypted. LUKS types in {region.code}: {offered}.",
            config_keys=("hub:volumeType",),
        )
    if isinstance(volume_type, str) and region.is_luks_type(volume_type):
        return passed()
    return failed(
        f"{subject} uses volume type {volume_type!r}, which is not an encrypted (LUKS) type in "
        f"{region.code}. LUKS types there: {offered}.",
        value=str(volume_type),
        config_keys=("hub:volumeType",),
    )
