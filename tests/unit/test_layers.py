"""The one table of layers (hubctl.layers) walked against the program and the repository: every
layer kind of the program has its row and every row a kind; every type a layer's stacks declare
is one of its declared types; every site has a stack file for every layer; the census and the
reconciler look for exactly the marked types of the layers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubcore.resource_types import HUB_COMPONENTS, MARKED, PROVIDER_PREFIX, STACK, resource_type
from hubcore.stackfiles import STACKS_DIR, known_sites, known_stacks, stack_file
from hubcore.stacks import PROJECT_LAYERS, SITE_LAYERS, Layer, StackName
from hubctl.census import LISTED
from hubctl.layers import HUB_LAYERS, HubLayer, host_names_of, hosts_layer, hub_layer, summary
from hubctl.reconcile import SEARCHED
from hubctl.workspaces.opened import write_stack_file
from infra.config import WorkspaceSpec
from infra.kinds import KINDS
from tests.workspaces.conftest import base_manifest


def test_every_layer_kind_of_the_program_has_one_row_and_every_row_a_kind() -> None:
    assert [entry.layer for entry in HUB_LAYERS] == [kind.layer for kind in KINDS]
    assert all(entry.kind.layer is entry.layer for entry in HUB_LAYERS)


def test_every_layer_of_hubcore_has_one_kind_in_the_program() -> None:
    # hubcore.stacks.Layer is the one list of layers: the program's kinds follow it, in order.
    assert [kind.layer for kind in KINDS] == list(Layer)


def test_the_site_layers_are_every_layer_but_the_per_project_ones() -> None:
    assert set(SITE_LAYERS) | PROJECT_LAYERS == set(Layer)
    assert not set(SITE_LAYERS) & PROJECT_LAYERS
    assert [kind.layer for kind in KINDS if not kind.per_project] == list(SITE_LAYERS)


def test_one_layer_runs_the_hosts_and_it_names_them_from_its_outputs() -> None:
    # The hosts' first boot, `hubctl verify` and the drill's host phases read this layer.
    assert hosts_layer() is Layer.COMPUTE
    outputs = {"instances": {"bastion": ["hub-x-bastion-0"], "app": ["hub-x-app-0"]}}
    assert sorted(host_names_of({hosts_layer(): outputs})) == ["hub-x-app-0", "hub-x-bastion-0"]


@pytest.mark.parametrize("site", known_sites())
@pytest.mark.parametrize("layer", SITE_LAYERS, ids=str)
def test_every_site_has_a_stack_file_for_every_layer(site: str, layer: Layer) -> None:
    assert stack_file(StackName(site, layer), STACKS_DIR).is_file()


@pytest.mark.parametrize("entry", HUB_LAYERS, ids=lambda e: e.layer.value)
def test_a_layer_declares_only_types_the_hub_knows(entry: HubLayer) -> None:
    assert [t for t in entry.types if resource_type(t) is None] == []


@pytest.mark.parametrize("entry", HUB_LAYERS, ids=lambda e: e.layer.value)
def test_a_site_layer_says_how_the_site_is_summarised_checked_and_destroyed(
    entry: HubLayer,
) -> None:
    """A site's layer appears in `up`'s summary or says it has nothing to show, and a drill
    checks what it rebuilt; only the per-project workspace layer is outside both."""
    if entry.kind.per_project:
        assert entry.verify is None
        assert entry.before_destroy is None and entry.after_destroy is None
    else:
        assert entry.verify is not None, entry.layer


def test_the_census_and_the_reconciler_look_for_the_marked_types_of_the_layers() -> None:
    marked = {known.token for known in MARKED}
    used = {token for entry in HUB_LAYERS for token in entry.types}
    assert LISTED == SEARCHED == marked & used
    assert marked <= used, "a marked type no layer makes"


def _declared(types: list[str]) -> set[str]:
    """The types a stack declares, but the stack itself, its providers and the hub's component."""
    return {
        token
        for token in types
        if token != STACK
        and not token.startswith(PROVIDER_PREFIX)
        and not token.startswith(HUB_COMPONENTS.removesuffix("*"))
    }


@pytest.mark.parametrize("layer", SITE_LAYERS, ids=str)
def test_a_site_layer_declares_every_type_its_stacks_make(synth, layer: Layer) -> None:
    made: set[str] = set()
    for stack in known_stacks():
        if StackName.parse(stack).layer is layer:
            made |= _declared([r.type for r in synth(stack).resources])
    assert made - hub_layer(layer).types == set()


@pytest.fixture
def workspace_stacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of stacks/ the offline commands read (HUB_STACKS_DIR): the checkout is left alone."""
    copy = tmp_path / "stacks"
    shutil.copytree(STACKS_DIR, copy)
    monkeypatch.setenv("HUB_STACKS_DIR", str(copy))
    yield copy


def test_the_workspace_layer_declares_every_type_its_stacks_make(workspace_stacks: Path) -> None:
    from synth.synthesis import synthesize

    spec = WorkspaceSpec.model_validate({**base_manifest("layers"), "cidr": "10.41.9.0/24"})
    write_stack_file("local", spec, workspace_stacks)
    result = synthesize("local-ws-layers", {"hub:memberPasswords": "[secret]"})
    assert _declared([r.type for r in result.resources]) - hub_layer(Layer.WORKSPACE).types == set()


def test_the_summary_shows_the_hosts_first_then_containers_then_keys() -> None:
    outputs: dict[Layer, dict[str, object]] = {
        Layer.COMPUTE: {"instances": {"bastion": ["hub-x-bastion-0"]}},
        Layer.STORAGE: {"containers": {"backups": "hub-x-backups"}},
        Layer.KMS: {"dataset_key_refs": {"d": "https://kms/v1/secrets/abcdef0123456789"}},
    }
    titles = [table.title for table in summary("x", outputs, {})]
    assert titles == [
        "x: hosts",
        "x: containers",
        "x: keys and certificates (references)",
    ]
