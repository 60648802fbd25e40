"""The audit reads a project through the cloud seam's Inventory (hubctl.cloud.inventory_of):
OpenStack's says which kinds each service lists and where each service answers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hubctl.cloud import inventory_of


def test_each_service_lists_its_kinds_in_reading_order() -> None:
    assert dict(inventory_of(None).kinds_by_service) == {
        "network": (
            "networks", "subnets", "routers", "ports", "security_groups", "rules", "floating_ips",
        ),
        "compute": ("servers", "server_groups", "keypairs"),
        "block-storage": ("volumes",),
        "image": ("images",),
        "object-store": ("containers",),
        "key-manager": ("secrets", "key_containers", "orders"),
        "load-balancer": ("load_balancers", "listeners", "pools", "monitors"),
    }  # fmt: skip


class Proxy:
    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def get_endpoint(self) -> Any:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_endpoints_say_each_services_url_and_empty_when_absent_silent_or_failing() -> None:
    conn = SimpleNamespace(
        network=Proxy("http://127.0.0.1:9696"),
        compute=Proxy(None),  # the catalogue has no endpoint in this region
        block_storage=Proxy(ConnectionError("refused")),
        image=Proxy("http://127.0.0.1:9292/"),
        # object_store, key_manager, load_balancer: no proxy at all
    )
    assert inventory_of(conn).endpoints() == {
        "network": "http://127.0.0.1:9696",
        "compute": "",
        "block-storage": "",
        "image": "http://127.0.0.1:9292/",
        "object-store": "",
        "key-manager": "",
        "load-balancer": "",
    }
