"""The airlock rule family on a synthesised workspace stack: the real program's containers,
one ACL changed per failing case (tests/policies' harness)."""

from __future__ import annotations

import os

import pytest

from hubcore.stackfiles import STACKS_DIR
from hubctl.targets import target_of_synth
from hubctl.workspaces.opened import write_stack_file
from infra.config import WorkspaceSpec
from policies.evaluate import Target
from policies.model import ResourceView, Status
from policies.registry import REGISTRY
from policies.rules import all_rules
from synth.synthesis import synthesize
from tests.policies.conftest import REMOVE, failures, find, mutate, statuses, with_config
from tests.private_stacks import private_stacks
from tests.workspaces.conftest import base_manifest

PROJECT = f"airlock-t{os.getpid()}"
STACK = f"local-ws-{PROJECT}"
PREFIX = f"hub-local-ws-{PROJECT}"
all_rules()
RULES = (
    "airlock-outbox-write-only",
    "airlock-release-area-officers-only",
    "airlock-decision-one-officer",
    "airlock-data-officers",
)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Target:
    spec = WorkspaceSpec.model_validate({**base_manifest(PROJECT), "cidr": "10.41.8.0/24"})
    with private_stacks(tmp_path_factory.mktemp("stacks")):
        write_stack_file("local", spec)
        result = synthesize(STACK, {"hub:memberPasswords": "[secret]"})
    assert not (STACKS_DIR / f"Pulumi.{STACK}.yaml").exists()
    return target_of_synth(result)


def container(target: Target, suffix: str) -> ResourceView:
    return find(target, "container:Container", suffix)


def member_user_id(target: Target) -> str:
    user = find(target, "user:User", "alice")
    return str(user.get("id") or user.name)


@pytest.mark.parametrize("rule_id", RULES)
def test_the_program_passes_every_airlock_rule(rule_id: str, ws: Target) -> None:
    rule = REGISTRY[rule_id]
    if rule.applies_to:
        judged = [view for view in ws.resources if rule.applies(view)]
        assert {v.name: failures(rule_id, ws, v) for v in judged} == {v.name: [] for v in judged}
        assert any(Status.PASS in statuses(rule_id, ws, v) for v in judged)
    else:
        assert statuses(rule_id, ws) == {Status.PASS}


@pytest.mark.parametrize(
    "acl", ["hub-ws-member", "hub-data-officer,observer", ".r:*", "*:*", "proj:*"]
)
def test_an_outbox_members_can_read_fails(ws: Target, acl: str) -> None:
    target, view = mutate(ws, container(ws, "-outbox"), containerRead=acl)
    (message,) = failures("airlock-outbox-write-only", target, view)
    assert "read results back" in message


def test_an_outbox_read_by_a_members_own_user_fails(ws: Target) -> None:
    acl = f"some-project:{member_user_id(ws)}"
    target, view = mutate(ws, container(ws, "-outbox"), containerRead=acl)
    assert "a member's user" in failures("airlock-outbox-write-only", target, view)[0]


@pytest.mark.parametrize("acl", ["hub-ws-member", "ws-project:*", ".r:*", "*:officer"])
def test_a_release_area_members_can_read_fails(ws: Target, acl: str) -> None:
    release = find(ws, "container:Container", f"hub-local-release-{PROJECT}")
    target, view = mutate(ws, release, containerRead=acl)
    assert failures("airlock-release-area-officers-only", target, view)


def test_a_release_area_with_a_write_acl_fails(ws: Target) -> None:
    release = find(ws, "container:Container", f"hub-local-release-{PROJECT}")
    target, view = mutate(ws, release, containerWrite="ws-project:officer-id")
    (message,) = failures("airlock-release-area-officers-only", target, view)
    assert "without two officers' approvals" in message


@pytest.mark.parametrize(
    "acl", ["hub-data-officer", "ws-project:*", "a:officer-1,a:officer-2", "hub-ws-member"]
)
def test_a_decision_container_more_than_one_officer_writes_fails(ws: Target, acl: str) -> None:
    decisions = container(ws, "-decisions-hub-data-officer")
    target, view = mutate(ws, decisions, containerWrite=acl)
    assert failures("airlock-decision-one-officer", target, view)


def test_a_decision_container_nobody_writes_fails(ws: Target) -> None:
    decisions = container(ws, "-decisions-hub-data-officer")
    target, view = mutate(ws, decisions, containerWrite=REMOVE)
    assert "cannot decide" in failures("airlock-decision-one-officer", target, view)[0]


@pytest.mark.parametrize(
    ("officers", "fails"), [("[]", True), ('["only-one"]', True), ('["a", "b"]', False)]
)
def test_a_site_needs_two_data_officers(ws: Target, officers: str, fails: bool) -> None:
    target = with_config(ws, hub__dataOfficers=officers)
    assert bool(failures("airlock-data-officers", target)) is fails


def test_the_same_officer_twice_counts_once(ws: Target) -> None:
    target = with_config(ws, hub__dataOfficers='["a", "a"]')
    assert "names 1 data officer" in failures("airlock-data-officers", target)[0]


def test_a_site_without_workspaces_needs_no_officer(ws: Target) -> None:
    config = {k: v for k, v in ws.site.config.items() if k != "hub:workspacePool"}
    import dataclasses

    bare = dataclasses.replace(ws, site=dataclasses.replace(ws.site, config=config))
    assert statuses("airlock-data-officers", with_config(bare, hub__dataOfficers="[]")) == {
        Status.NOT_APPLICABLE
    }
