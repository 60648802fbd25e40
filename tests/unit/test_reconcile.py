"""What hubctl decides about an interrupted run's pending operations, and what the census calls
an orphan. The cloud is a small stand-in holding the objects a real listing would return; the
expected decisions follow from the issue's rules (import what the create made, clear what it
never made, refresh the rest), not from the code.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hubcore.urns import urn_hash, urn_tag
from hubctl.census import Census, CloudObject, state_ids
from hubctl.cloud import project_of
from hubctl.reconcile import PendingOp, decide, pending_operations, settled

NET = "openstack:networking/network:Network"
URN = "urn:pulumi:local-network::hub::hub:layers:Network$" + NET + "::hub-local-net"


class Network:
    def __init__(self, nets: list[Any]) -> None:
        self.nets = nets

    def networks(self, project_id: str) -> list[Any]:
        return [n for n in self.nets if n.project_id == project_id]


def cloud(*nets: Any) -> Any:
    return project_of(SimpleNamespace(current_project_id="p1", network=Network(list(nets))))


def net(id: str, tags: list[str], name: str = "hub-local-net", project: str = "p1") -> Any:
    return SimpleNamespace(id=id, name=name, tags=tags, project_id=project)


def op(kind: str = "creating", type: str = NET, urn: str = URN, name: str = "hub-local-net"):
    return PendingOp(kind, urn, type, {"name": name})


def test_a_create_that_reached_the_cloud_is_imported_with_its_id() -> None:
    conn = cloud(net("n1", ["site=local", urn_tag(URN)]))
    [decision] = decide([op()], set(), lambda _: conn)
    assert (decision.action, decision.resource_id) == ("import", "n1")


def test_a_create_that_never_reached_the_cloud_is_cleared() -> None:
    conn = cloud(net("n1", ["site=local", urn_tag(URN + "-other")], name="hub-local-other"))
    [decision] = decide([op()], set(), lambda _: conn)
    assert decision.action == "clear"


def test_a_resource_killed_before_its_tags_is_found_by_name() -> None:
    conn = cloud(net("n2", []))
    [decision] = decide([op()], set(), lambda _: conn)
    assert (decision.action, decision.resource_id) == ("import", "n2")


def test_another_projects_resource_is_never_imported() -> None:
    conn = cloud(net("n3", ["site=local", urn_tag(URN)], project="p2"))
    [decision] = decide([op()], set(), lambda _: conn)
    assert decision.action == "clear"


def test_a_resource_a_state_already_owns_is_not_imported_twice() -> None:
    conn = cloud(net("n1", ["site=local", urn_tag(URN)]))
    [decision] = decide([op()], {"n1"}, lambda _: conn)
    assert decision.action == "clear"


def test_kinds_without_a_cloud_object_are_cleared_and_others_refreshed() -> None:
    tls = op(type="tls:index/privateKey:PrivateKey", urn="urn:x::k")
    update = op(kind="updating")
    decisions = decide([tls, update], set(), lambda _: cloud())
    assert [d.action for d in decisions] == ["clear", "refresh"]


def test_settling_moves_imports_into_the_state_and_leaves_nothing_pending() -> None:
    deployment = {
        "resources": [{"urn": "urn:stack", "type": "pulumi:pulumi:Stack"}],
        "pending_operations": [
            {"type": "creating", "resource": {"urn": URN, "type": NET, "inputs": {"name": "x"}}},
            {"type": "creating", "resource": {"urn": "urn:y", "type": NET, "inputs": {}}},
        ],
    }
    ops = pending_operations(deployment)
    conn = cloud(net("n1", ["site=local", urn_tag(URN)]))
    result = settled(deployment, decide(ops, set(), lambda _: conn))
    assert result["pending_operations"] == []
    assert [(r["urn"], r.get("id")) for r in result["resources"]] == [
        ("urn:stack", None),
        (URN, "n1"),
    ]


def test_orphans_and_missing_are_the_two_differences_of_cloud_and_state() -> None:
    deployments = [
        {"resources": [{"type": NET, "id": "n1"}, {"type": NET, "id": "gone"}]},
    ]
    found = [CloudObject(NET, "n1", "a"), CloudObject(NET, "twin", "b")]
    taken = Census("local", found, state_ids(deployments))
    assert [o.id for o in taken.orphans] == ["twin"]
    assert taken.missing == [(NET, "gone")]


def test_an_orders_generated_key_is_owned_by_the_order() -> None:
    order = {
        "type": "openstack:keymanager/orderV1:OrderV1",
        "id": "o1",
        "outputs": {"secretRef": "http://127.0.0.1:9311/v1/secrets/s1"},
    }
    ids = state_ids([{"resources": [order]}])
    assert "s1" in ids["openstack:keymanager/secretV1:SecretV1"]


def test_the_urn_hash_is_what_the_tag_carries() -> None:
    assert urn_tag(URN) == f"hub-urn={urn_hash(URN)}"
