"""The resource types, declared once (hubcore.resource_types), closed both ways: each says what
the cloud holds for it and how hubctl finds it, and the cloud's implementation lists, finds and
deletes exactly the types the hub marks."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import yaml

from hubcore.paths import REPO_ROOT
from hubcore.resource_types import (
    MARKED,
    NOT_MADE,
    RESOURCE_TYPES,
    ResourceType,
    resource_type,
)
from hubcore.stackfiles import known_stacks
from hubctl.census import LISTED
from hubctl.cloud.openstack.project import OpenStackProject
from hubctl.cloud.openstack.types import DELETION_ORDER, OPS
from hubctl.reconcile import SEARCHED
from hubctl.workspaces.opened import workspace_stack, write_stack_file
from infra.config import WorkspaceSpec
from policies.known_types import KNOWN_TYPES
from synth.synthesis import synthesize


def test_each_type_is_declared_once() -> None:
    tokens = [known.token for known in RESOURCE_TYPES]
    assert sorted(set(tokens)) == sorted(tokens)


@pytest.mark.parametrize("known", RESOURCE_TYPES, ids=lambda k: k.token)
def test_a_type_says_one_thing_of_its_cloud_object(known: ResourceType) -> None:
    """No cloud object (and why), found by a mark, or a cloud object hubctl does not look for
    (and why): exactly one of the three."""
    said = [bool(known.not_a_cloud_object), known.found_by is not None, bool(known.unsearched)]
    assert said.count(True) == 1, known


def test_the_census_and_the_reconciler_look_for_exactly_the_marked_types() -> None:
    marked = {known.token for known in MARKED}
    assert marked == LISTED
    assert marked == SEARCHED


def test_the_openstack_project_lists_finds_and_deletes_every_marked_type() -> None:
    marked = [known.token for known in MARKED]
    assert sorted(OPS) == sorted(marked)
    assert sorted(DELETION_ORDER) == sorted(marked)
    assert sorted(OpenStackProject.searched) == sorted(marked)


def test_the_pack_admits_exactly_the_types_declared_admitted() -> None:
    assert [k.token for k in KNOWN_TYPES] == [t.token for t in RESOURCE_TYPES if t.admitted]


def test_a_family_declaration_matches_its_members_only() -> None:
    assert resource_type("hub:layers:Network") is not None
    assert resource_type("hub:layersNetwork") is None
    assert resource_type("openstack:compute/instance:Instance") is not None
    assert resource_type("openstack:compute/instance:InstanceV2") is None


@pytest.fixture(scope="module")
def shipped_types(synth) -> Iterator[set[str]]:
    """Every type the program declares in the shipped stacks and in a workspace opened from each
    example manifest of projects/ (no workspace stack is shipped: hubctl writes them)."""
    types = {record.type for stack in known_stacks() for record in synth(stack).resources}
    written = []
    try:
        for index, manifest in enumerate(sorted(REPO_ROOT.glob("projects/*/*.yaml"))):
            data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
            # What hubctl adds when it opens one: the stack's own id and range.
            data["id"] = f"types-{os.getpid()}-{manifest.stem}"
            data["cidr"] = f"10.41.{200 + index}.0/24"
            spec = WorkspaceSpec.model_validate(data)
            written.append(write_stack_file(manifest.parent.name, spec))
            stack = workspace_stack(manifest.parent.name, spec.id)
            result = synthesize(str(stack), {"hub:memberPasswords": "[secret]"})
            types |= {record.type for record in result.resources}
    finally:
        for path in written:
            path.unlink(missing_ok=True)
    assert written, "no example manifest under projects/"
    yield types


def test_every_type_the_program_declares_is_declared(shipped_types: set[str]) -> None:
    assert {token for token in shipped_types if resource_type(token) is None} == set()


def test_no_type_the_program_declares_claims_the_program_declares_none(
    shipped_types: set[str],
) -> None:
    """A cloud object the program makes is found by a mark, or says why hubctl does not look
    for it; `NOT_MADE` is no reason for a type it makes: a crash recovery, a census never
    ignores a newly deployed type silently."""
    claimed = [
        token
        for token in sorted(shipped_types)
        if (known := resource_type(token)) is not None and known.unsearched == NOT_MADE
    ]
    assert claimed == []
