"""Encryption family: data at rest is encrypted and object storage is never public.

Volumes must use a LUKS volume type that the catalogue lists for their region (the type name
alone proves nothing: a region without LUKS support may name a type anything), and so must the
volumes Nova creates for an instance's block devices; a disk on the hypervisor (a local block
device, an image booted without a volume) is encrypted by no volume type at all. Swift
containers must carry no ACL that opens reading, listing or writing beyond the project, read the
way Swift reads it (policies/swift.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hubcore.catalogue import Region
from hubcore.resource_types import CONTAINER, INSTANCE, VOLUME, VOLUME_ATTACH
from policies.model import (
    Context,
    Outcome,
    Reading,
    ResourceView,
    failed,
    not_applicable,
    passed,
)
from policies.registry import Scope, Severity, rule
from policies.rules.common import cannot_judge, describe, provider_regions
from policies.swift import judge_acl


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


@rule(
    "encryption-container-private",
    description="Swift containers are never world-readable, world-listable or world-writable.",
    remediation="Remove container_read/container_write ACLs; share through signed URLs instead.",
    severity=Severity.CRITICAL,
    requirements=("SNC-10", "HDS-ISO27001-A8"),
    enforces=(
        "no Swift ACL reaching beyond the project, read as Swift reads it (`.r:`, `.ref:`, "
        "`.referer:`, `.referrer:`, `*.domain`, negations, `*:*`, `project:*`, `*:user`, "
        "percent-encoding); an ACL Swift refuses fails"
    ),
    applies_to=(CONTAINER,),
)
def encryption_container_private(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: no ACL, or ACLs naming specific projects and users, or roles of the project.
    Fails: a referrer list that lets any client in (`.r:*`, `.ref:*.example.com`, a host
    anyone can claim as Referer), a wildcard project or user (`*:*`, `project:*`, `*:user`,
    percent-encoded too), an ACL Swift refuses, or an ACL that cannot be read."""
    findings = []
    for field, verb in (("containerRead", "read/list"), ("containerWrite", "write")):
        value = resource.get(field)
        if value in (None, ""):
            continue
        reading = context.reading(resource, field, value)
        if reading is Reading.COMPUTED:
            continue
        if not reading.readable or not isinstance(value, str):
            findings.append(
                cannot_judge(
                    resource,
                    field,
                    reading if not reading.readable else Reading.UNKNOWN,
                    "who may access the container",
                )
            )
            continue
        verdict = judge_acl(value, write=field == "containerWrite")
        if verdict.refused:
            findings.append(
                failed(
                    f"{describe(resource)}: Swift refuses {field} {value!r} ({verdict.refused}), "
                    "so the container's access is not what the program declares.",
                )
            )
        if verdict.beyond:
            findings.append(
                failed(
                    f"{describe(resource)} grants {verb} access beyond the project through "
                    f"{field}: {'; '.join(verdict.beyond)}. Health-data containers are private "
                    "to the project: remove the ACL (use temporary signed URLs to share).",
                )
            )
    return findings or [passed()]


VOLUME_ATTACH_TARGETS = (("instanceId", INSTANCE, "host"), ("volumeId", VOLUME, "volume"))


@rule(
    "encryption-volume-attachment",
    description="A volume attachment joins a volume of the stack to a host of the stack.",
    remediation="Attach only volumes and instances the stack declares.",
    severity=Severity.HIGH,
    requirements=("SNC-10", "HDS-ISO27001-A8"),
    enforces="a volume attachment joins a volume and a host the stack declares",
    scope=Scope.RESOURCES,
    applies_to=(VOLUME_ATTACH,),
)
def encryption_volume_attachment(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: instance_id and volume_id are an instance and a volume the stack declares (by id
    or through their dependencies), so the volume's encryption and the host's exposure are
    judged. Fails: either one written literally or taken from outside the stack (a host of
    another project, a volume no rule judged), or unreadable.
    Not applicable: ids computed by resources of the stack (a first preview)."""
    outcomes: list[Outcome] = []
    for prop, token, what in VOLUME_ATTACH_TARGETS:
        value = resource.get(prop)
        reading = context.reading(resource, prop, value)
        if context.referenced(resource, prop, token) is not None:
            outcomes.append(passed())
        elif reading is Reading.COMPUTED:
            outcomes.append(not_applicable(f"{prop} computed by resources of the stack"))
        elif not reading.readable:
            outcomes.append(cannot_judge(resource, prop, reading, f"which {what} it joins"))
        else:
            outcomes.append(
                failed(
                    f"{describe(resource)} joins {what} {value!r} ({prop}), which the stack does "
                    f"not declare: the {what}'s encryption and exposure are judged nowhere.",
                )
            )
    return outcomes
