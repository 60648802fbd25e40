"""Routes on a subnet or a router are named by the provider after their owner's id (a UUID, with
dashes), and hubctl deletes an orphan route from that name alone: the id it reads back must be
the owner's, the destination and the next hop, whole."""

from __future__ import annotations

from typing import Any

from hubcore.resource_types import ROUTER_ROUTE, SUBNET_ROUTE
from hubctl.cloud.api import CloudObject
from hubctl.cloud.openstack.types import OPS, route_id

OWNER = "1e47317c-b56c-46aa-9073-bb4d65d1d563"
# As the census listed it on the local cloud (a workspace's route on the admin subnet).
LISTED = "1e47317c-b56c-46aa-9073-bb4d65d1d563-route-10.41.0.0/24-10.40.4.85"


class Neutron:
    """Records the calls a deletion makes; the subnet holds the route and one other."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, Any]] = []

    def get_subnet(self, subnet: str) -> Any:
        routes = [
            {"destination": "10.41.0.0/24", "nexthop": "10.40.4.85"},
            {"destination": "10.40.3.0/24", "nexthop": "10.40.4.254"},
        ]
        return type("Subnet", (), {"host_routes": routes})()

    def update_subnet(self, subnet: str, host_routes: Any) -> None:
        self.calls.append(("update_subnet", subnet, host_routes))

    def remove_extra_routes_from_router(self, router: str, body: Any) -> None:
        self.calls.append(("remove_extra_routes", router, body))


def connection() -> Any:
    return type("Conn", (), {"network": Neutron()})()


def test_a_route_is_named_after_its_owner_destination_and_next_hop() -> None:
    assert route_id(OWNER, "10.41.0.0/24", "10.40.4.85") == LISTED


def test_deleting_a_subnet_route_keeps_the_subnets_other_routes() -> None:
    conn = connection()
    OPS[SUBNET_ROUTE].delete(conn, CloudObject(SUBNET_ROUTE, LISTED, "hub-local-admin"))
    assert conn.network.calls == [
        ("update_subnet", OWNER, [{"destination": "10.40.3.0/24", "nexthop": "10.40.4.254"}])
    ]


def test_deleting_a_router_route_removes_exactly_that_route() -> None:
    conn = connection()
    OPS[ROUTER_ROUTE].delete(conn, CloudObject(ROUTER_ROUTE, LISTED, "hub-local-edge"))
    assert conn.network.calls == [
        (
            "remove_extra_routes",
            OWNER,
            {"router": {"routes": [{"destination": "10.41.0.0/24", "nexthop": "10.40.4.85"}]}},
        )
    ]
