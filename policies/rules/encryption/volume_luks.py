"""encryption-volume-luks: Block-storage volumes use an encrypted (LUKS) volume type of their
region."""

from __future__ import annotations

from hubcore.resource_types import VOLUME
from policies.model import Context, Outcome, Reading, ResourceView, not_applicable
from policies.registry import Severity, rule
from policies.rules.common import cannot_judge, describe
from policies.rules.encryption.common import judge_volume_type, region_of


@rule(
    "encryption-volume-luks",
    description="Block-storage volumes use an encrypted (LUKS) volume type of their region.",
    remediation="Set hub:volumeType (or volume_type) to a LUKS type the catalogue lists.",
    severity=Severity.HIGH,
    requirements=("SNC-10", "HDS-ISO27001-A8", "CATALOGUE"),
    enforces="volumes on a LUKS type the catalogue lists for their region",
    applies_to=(VOLUME,),
)
def encryption_volume_luks(resource: ResourceView, context: Context) -> Outcome:
    """Passes: volume_type is one of the region's luks_volume_types in the catalogue.
    Fails: no volume_type (the cloud's default type is not encrypted), any other type,
    including on a region that offers no LUKS type at all, or a type that cannot be read
    (secret offline, unknown from config).
    Not applicable: a LUKS type on a region that cannot be found (region-eu-only reports it),
    or a type computed by resources of the stack; with no region, any non-LUKS type fails."""
    volume_type = resource.get("volumeType")
    reading = context.reading(resource, "volumeType", volume_type)
    if reading is Reading.COMPUTED:
        return not_applicable("volume type computed by resources of the stack")
    if not reading.readable:
        return cannot_judge(
            resource,
            "volumeType",
            reading,
            "whether it is encrypted",
            config_keys=("hub:volumeType",),
        )
    _, region = region_of(resource, context)
    return judge_volume_type(describe(resource), volume_type, region, context)
