"""A rebuilt site read back through openstacksdk, as hubctl.cloud.api.RebuiltSite."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hubctl.cloud.api import (
    BundleReadBack,
    GroupReadBack,
    ReadBack,
    SubnetReadBack,
    VolumeReadBack,
    reference_id,
)

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def ref_id(ref: str) -> str:
    """The UUID at the end of a Barbican secret or container reference URL: a drill reads back
    only what a state names, and a reference that ends in no UUID names nothing."""
    found = reference_id(ref)
    if not _UUID.fullmatch(found):
        raise ValueError(f"not a Barbican reference: {ref!r}")
    return found


@dataclass(frozen=True)
class OpenStackRebuiltSite:
    conn: Any

    def network(self, network_id: str) -> ReadBack:
        net = self.conn.network.get_network(network_id)
        return ReadBack(str(net.name), str(net.status))

    def subnet(self, subnet_id: str) -> SubnetReadBack:
        sub = self.conn.network.get_subnet(subnet_id)
        return SubnetReadBack(str(sub.name), str(sub.cidr))

    def security_group(self, group_id: str) -> GroupReadBack:
        group = self.conn.network.get_security_group(group_id)
        return GroupReadBack(str(group.name), len(group.security_group_rules or []))

    def secret(self, ref: str) -> ReadBack:
        found = self.conn.key_manager.get_secret(ref_id(ref))
        return ReadBack(str(found.name), str(found.status))

    def secret_bundle(self, ref: str) -> BundleReadBack:
        found = self.conn.key_manager.get_container(ref_id(ref))
        return BundleReadBack(
            str(found.name), tuple(str(r["name"]) for r in found.secret_refs or [])
        )

    def container_acls(self, name: str) -> list[str]:
        meta = self.conn.object_store.get_container_metadata(name)
        return [str(acl) for acl in (meta.read_ACL, meta.write_ACL) if acl]

    def server_statuses(self) -> dict[str, str]:
        return {str(s.name): str(s.status) for s in self.conn.compute.servers()}

    def volumes(self, name_prefix: str) -> list[VolumeReadBack]:
        return [
            VolumeReadBack(str(v.name), str(v.volume_type), bool(v.is_encrypted))
            for v in self.conn.block_storage.volumes()
            if (v.name or "").startswith(name_prefix)
        ]

    def encrypted_volume_types(self) -> set[str]:
        types = set()
        for volume_type in self.conn.block_storage.types():
            try:
                if self.conn.block_storage.get_type_encryption(volume_type.id).provider:
                    types.add(str(volume_type.name))
            except Exception:
                # Cinder answers 404 for a type without an encryption spec; a type whose spec
                # cannot be read is not counted as encrypted either (its volumes' checks fail).
                continue
        return types
