"""A site's OpenStack project in one region, as hubctl.cloud.api.Project: an openstacksdk
connection and the per-type table (hubctl.cloud.openstack.types)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hubctl.cloud.api import Caller, CloudObject, CloudReason, reference_id
from hubctl.cloud.openstack.diagnosis import cloud_reasons
from hubctl.cloud.openstack.types import DELETION_ORDER, OPS, Listing


class OpenStackProject:
    """The connection's own project only: nothing here reaches another project."""

    searched: tuple[str, ...] = tuple(OPS)
    deletion_order: tuple[str, ...] = DELETION_ORDER

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def hub_objects(self, site: str) -> list[CloudObject]:
        listing = Listing(self.conn, site)
        return [
            CloudObject(token, str(ident), str(name))
            for token, ops in OPS.items()
            for ident, name in ops.list(listing)
        ]

    def find_created(
        self, token: str, inputs: Mapping[str, Any], urn: str, owned: set[str]
    ) -> str | None:
        return OPS[token].find(self.conn, inputs, urn, owned)

    def delete(self, item: CloudObject) -> None:
        OPS[item.token].delete(self.conn, item)

    def delete_generated_keys(self, site: str, exact: str | None = None) -> int:
        """The secrets named hub-<site>-key-<dataset>, or exactly `exact`: only the site's own
        key names."""
        prefix = f"hub-{site}-key-"
        doomed = [
            s
            for s in self.conn.key_manager.secrets()
            if (s.name or "") == exact or (exact is None and (s.name or "").startswith(prefix))
        ]
        for secret in doomed:
            self.conn.key_manager.delete_secret(reference_id(secret.secret_ref))
        return len(doomed)

    def host_addresses(self, names: list[str]) -> dict[str, str]:
        wanted = set(names)
        found: dict[str, str] = {}
        for server in self.conn.compute.servers(details=True):
            if server.name in wanted:
                ips = [a["addr"] for net in (server.addresses or {}).values() for a in net]
                found[server.name] = ips[0] if ips else ""
        return found

    def _routes(self, path: str, kind: str, key: str, owner_id: str) -> list[str] | None:
        response = self.conn.session.get(
            f"/v2.0/{path}/{owner_id}",
            endpoint_filter={"service_type": "network"},
            raise_exc=False,
        )
        if response.status_code != 200:
            return None
        return [str(r.get("destination")) for r in response.json()[kind].get(key) or []]

    def router_routes(self, router_id: str) -> list[str] | None:
        return self._routes("routers", "router", "routes", router_id)

    def subnet_routes(self, subnet_id: str) -> list[str] | None:
        return self._routes("subnets", "subnet", "host_routes", subnet_id)

    def caller(self) -> Caller:
        return Caller(
            user_id=str(self.conn.current_user_id or ""),
            project_id=str(self.conn.current_project_id or ""),
        )

    def volume_id(self, name: str) -> str | None:
        volume = self.conn.block_storage.find_volume(name, ignore_missing=True)
        return str(volume.id) if volume is not None else None

    def edge_router_id(self, site: str) -> str | None:
        # Neutron shows an administrator every project's routers, and every project that holds
        # the same site names its router alike (the test tenants do): the name alone is
        # ambiguous, so the connection's own project is asked for.
        routers = list(
            self.conn.network.routers(
                name=f"hub-{site}-edge", project_id=self.conn.current_project_id
            )
        )
        return str(routers[0].id) if len(routers) == 1 else None

    def reasons_in_error(self, name_prefix: str) -> list[CloudReason]:
        return cloud_reasons(self.conn, name_prefix)
