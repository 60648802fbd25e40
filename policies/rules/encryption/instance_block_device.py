"""encryption-instance-block-device: Instance disks are LUKS volumes of their region, never the
hypervisor's disk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hubcore.resource_types import INSTANCE, VOLUME
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule
from policies.rules.common import cannot_judge, describe
from policies.rules.encryption.common import judge_volume_type, region_of


def _device(device: Any) -> Mapping[str, Any]:
    return device if isinstance(device, Mapping) else {}


def judge_block_device(
    resource: ResourceView, index: int, device: Mapping[str, Any], context: Context
) -> Outcome:
    """One block device of an instance, as Nova's block_device_mapping_v2 will create it."""
    subject = f"{describe(resource)} block device {index}"
    source = str(device.get("sourceType") or "").lower()
    destination = str(device.get("destinationType") or "").lower()
    if source not in {"image", "volume", "snapshot", "blank"}:
        return failed(
            f"{subject} has source_type {device.get('sourceType')!r}; Nova accepts image, "
            "volume, snapshot or blank, and the pack judges only those.",
        )
    if destination not in {"", "volume", "local"}:
        return failed(
            f"{subject} has destination_type {device.get('destinationType')!r}; Nova accepts "
            "volume or local.",
        )
    if destination != "volume":
        # Nova puts an image, a blank or (without a destination) any device on the hypervisor's
        # local disk: no Cinder volume type, hence no LUKS, encrypts it.
        return failed(
            f"{subject} ({source} to {destination or 'the default, a local disk'}) lives on the "
            "hypervisor's local disk, which no LUKS volume type encrypts. Use destination_type "
            "volume with a LUKS volume_type, or boot from a LUKS volume of the stack.",
            config_keys=("hub:volumeType",),
        )
    if source == "volume":
        uuid = device.get("uuid")
        if context.by_id(uuid, VOLUME) is not None:
            return passed()  # that volume is judged by encryption-volume-luks
        sources = resource.dependencies.get("blockDevices", ())
        if any((found := context.by_urn(u)) is not None and found.type == VOLUME for u in sources):
            return passed()
        if not resource.dependencies_known:
            # Offline synthesis records no dependencies: the id came from the program.
            return not_applicable("the attached volume is declared where the pack cannot see")
        return failed(
            f"{subject} attaches volume {uuid!r}, which the stack does not declare: its volume "
            "type, and so its encryption, cannot be judged.",
        )
    volume_type = device.get("volumeType")
    _, region = region_of(resource, context)
    return judge_volume_type(
        f"{subject} ({source} to a new volume)", volume_type or None, region, context
    )


@rule(
    "encryption-instance-block-device",
    description="Instance disks are LUKS volumes of their region, never the hypervisor's disk.",
    remediation="Boot from a LUKS volume; give inline volumes a LUKS volume_type of the region.",
    severity=Severity.HIGH,
    requirements=("SNC-10", "HDS-ISO27001-A8", "CATALOGUE"),
    enforces=(
        "instance block devices are volumes of the stack or inline volumes of a LUKS type; no "
        "local disk, no image boot without a volume"
    ),
    scope=Scope.RESOURCES,
    applies_to=(INSTANCE,),
)
def encryption_instance_block_device(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: every block device is a volume: an existing volume of the stack (judged by
    encryption-volume-luks) or one Nova creates with a LUKS volume_type of the region.
    Fails: a local block device or an instance booted from an image without block devices (the
    hypervisor's disk), an inline volume without a LUKS type, a volume the stack does not
    declare, a source or destination Nova would refuse, block devices that cannot be read.
    Not applicable: block devices computed by resources of the stack."""
    devices = resource.get("blockDevices")
    reading = context.reading(resource, "blockDevices", devices)
    if reading is Reading.SECRET or reading is Reading.UNKNOWN:
        return [cannot_judge(resource, "blockDevices", reading, "where its disks live")]
    if devices in (None, []):
        return [
            failed(
                f"{describe(resource)} has no block device, so it boots from its image on the "
                "hypervisor's local disk, which no LUKS volume type encrypts. Boot from a volume "
                "of a LUKS type.",
                config_keys=("hub:volumeType",),
            )
        ]
    if not isinstance(devices, list):
        return [cannot_judge(resource, "blockDevices", Reading.UNKNOWN, "where its disks live")]
    outcomes: list[Outcome] = []
    for index, device in enumerate(devices):
        if context.reading(resource, f"blockDevices[{index}]", device) is Reading.COMPUTED:
            outcomes.append(not_applicable("computed by resources of the stack"))
            continue
        outcomes.append(judge_block_device(resource, index, _device(device), context))
    return outcomes
