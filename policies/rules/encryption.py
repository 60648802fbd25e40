"""Encryption family: data at rest is encrypted and object storage is never public.

Volumes must use a LUKS volume type that the catalogue lists for their region (the type name
alone proves nothing: a region without LUKS support may name a type anything). Swift containers
must carry no ACL that opens reading, listing or writing beyond the project.
"""

from __future__ import annotations

from policies.model import Context, Outcome, ResourceView, failed, is_known, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.region import describe

VOLUME = "openstack:blockstorage/volume:Volume"
CONTAINER = "openstack:objectstorage/container:Container"


@rule(
    "encryption-volume-luks",
    family="encryption",
    description="Block-storage volumes use an encrypted (LUKS) volume type of their region.",
    remediation="Set hub:volumeType (or volume_type) to a LUKS type the catalogue lists.",
    severity=Severity.HIGH,
    applies_to=(VOLUME,),
)
def encryption_volume_luks(resource: ResourceView, context: Context) -> Outcome:
    """Passes: volume_type is one of the region's luks_volume_types in the catalogue.
    Fails: no volume_type (the cloud's default type is not encrypted), or any other type,
    including on a region that offers no LUKS type at all.
    Not applicable: a LUKS type on a region that cannot be found (region-eu-only reports it);
    with no region, any non-LUKS type still fails."""
    region_name, _ = context.region_of(resource)
    region = context.lookup_region(region_name)
    volume_type = resource.get("volumeType")
    if not is_known(volume_type) and volume_type is not None:
        return not_applicable("volume type not known before the update")
    if region is None:
        # Fail closed: without a region, only a type that is LUKS somewhere may pass on to
        # region-eu-only's verdict; any other type is unencrypted wherever the volume is.
        everywhere = {t for r in context.catalogue.regions for t in r.luks_volume_types}
        if volume_type in everywhere:
            return not_applicable("unknown region: region-eu-only reports it")
        return failed(
            f"{describe(resource)} uses volume type {volume_type!r}, which no catalogue region "
            f"offers as encrypted (LUKS types: {', '.join(sorted(everywhere))}).",
            value=str(volume_type) if volume_type else None,
            config_keys=("hub:volumeType",),
        )
    offered = ", ".join(region.luks_volume_types) or "none: use another region"
    if volume_type in (None, ""):
        return failed(
            f"{describe(resource)} sets no volume_type, so it gets the cloud's default type, "
            f"which is not encrypted. LUKS types in {region.code}: {offered}.",
            config_keys=("hub:volumeType",),
        )
    if region.is_luks_type(str(volume_type)):
        return passed()
    return failed(
        f"{describe(resource)} uses volume type {volume_type!r}, which is not an encrypted "
        f"(LUKS) type in {region.code}. LUKS types there: {offered}.",
        value=str(volume_type),
        config_keys=("hub:volumeType",),
    )


def public_acl_entries(acl: object) -> list[str]:
    """Swift ACL entries that reach beyond the project: referrer grants (".r:*", ".r:<host>"),
    listings, and wildcard users or projects."""
    if not isinstance(acl, str) or not is_known(acl):
        return []
    entries = [entry.strip() for entry in acl.split(",") if entry.strip()]
    return [
        entry
        for entry in entries
        if entry.startswith((".r:", ".rlistings")) or entry == "*" or entry.startswith("*:")
    ]


@rule(
    "encryption-container-private",
    family="encryption",
    description="Swift containers are never world-readable, world-listable or world-writable.",
    remediation="Remove container_read/container_write ACLs; share through signed URLs instead.",
    severity=Severity.CRITICAL,
    applies_to=(CONTAINER,),
)
def encryption_container_private(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: no ACL, or ACLs naming specific projects and users.
    Fails: a referrer grant (.r:*), .rlistings, or a wildcard user or project."""
    findings = []
    for field, verb in (("containerRead", "read/list"), ("containerWrite", "write")):
        public = public_acl_entries(resource.get(field))
        if public:
            findings.append(
                failed(
                    f"{describe(resource)} grants {verb} access beyond the project through "
                    f"{field} {', '.join(public)!s}; health-data containers are private to the "
                    "project. Remove the ACL (use temporary signed URLs to share an object).",
                )
            )
    return findings or [passed()]
