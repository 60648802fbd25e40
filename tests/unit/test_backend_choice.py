"""One decision places every stack of a site: its hub:stateBackend, or HUB_STATE_BACKEND.

An explicit PULUMI_BACKEND_URL naming another backend is refused, before anything runs, by every
command that runs the engine: the workspaces of a site must never land in one backend while its
layers are in another (what `workspace open` did when `scripts/toolchain env` exported the
repository's file backend and the site's layers lived in its S3).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import STACKS_DIR_VARIABLE
from hubctl.backend import BackendConflict, choose_backend
from tests.offline import hubctl

# Written here from stacks/sites.yaml, not read through the code under test.
LOCAL_S3 = "s3://hub-local-state?endpoint=http://127.0.0.1:8080"
LOCAL_DR_FILE = f"file://{REPO_ROOT}/.state/backend"


def test_a_site_without_override_uses_its_hub_state_backend() -> None:
    choice = choose_backend("local", {})
    assert choice.url.startswith(LOCAL_S3)
    assert choice.origin.startswith("hub:stateBackend (stacks/sites.yaml:")


def test_a_relative_file_backend_is_read_from_the_repository() -> None:
    assert choose_backend("local-dr", {}).url == LOCAL_DR_FILE


def test_hub_state_backend_moves_every_stack_of_the_site() -> None:
    choice = choose_backend("local", {"HUB_STATE_BACKEND": "file:///tmp/elsewhere"})
    assert (choice.url, choice.origin) == ("file:///tmp/elsewhere", "HUB_STATE_BACKEND")


def test_a_pulumi_backend_url_naming_the_sites_own_backend_is_accepted() -> None:
    relative = choose_backend("local-dr", {"PULUMI_BACKEND_URL": "file://.state/backend"})
    assert relative.url == LOCAL_DR_FILE


def test_a_pulumi_backend_url_equal_to_the_override_is_accepted() -> None:
    environ = {"HUB_STATE_BACKEND": "file:///t/b", "PULUMI_BACKEND_URL": "file:///t/b"}
    assert choose_backend("local", environ).url == "file:///t/b"


def test_a_pulumi_backend_url_naming_another_backend_is_refused_with_the_sites_backend() -> None:
    with pytest.raises(BackendConflict) as refused:
        choose_backend("local", {"PULUMI_BACKEND_URL": LOCAL_DR_FILE})
    message = str(refused.value)
    assert LOCAL_S3 in message  # where the site's stacks are
    assert "unset PULUMI_BACKEND_URL" in message
    assert f"HUB_STATE_BACKEND={LOCAL_DR_FILE}" in message  # the one way to move them all


def test_a_pulumi_backend_url_differing_from_the_override_is_refused() -> None:
    environ = {"HUB_STATE_BACKEND": "file:///t/a", "PULUMI_BACKEND_URL": "file:///t/b"}
    with pytest.raises(BackendConflict, match="file:///t/a"):
        choose_backend("local", environ)


def test_an_empty_pulumi_backend_url_is_no_choice() -> None:
    assert choose_backend("local-dr", {"PULUMI_BACKEND_URL": ""}).url == LOCAL_DR_FILE


def _stacks_with_layer_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stacks = tmp_path / "stacks"
    shutil.copytree(REPO_ROOT / "stacks", stacks)
    path = stacks / "Pulumi.local-dr-compute.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "config:", "config:\n  hub:stateBackend: file:///tmp/compute-only", 1
    )
    path.write_text(text.replace("config: {}", "config:"), encoding="utf-8")
    monkeypatch.setenv(STACKS_DIR_VARIABLE, str(stacks))


def test_a_layer_moving_its_own_state_elsewhere_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stacks_with_layer_backend(tmp_path, monkeypatch)
    with pytest.raises(BackendConflict, match="compute") as refused:
        choose_backend("local-dr", {})
    assert "file:///tmp/compute-only" in str(refused.value)


# ------------------------------------------------------------------------------------------
# Every engine command refuses the conflict with exit 2, before reaching engine, cloud or files.

# fmt: off
ENGINE_COMMANDS = [
    ("up", "--site", "local"),
    ("preview", "--site", "local"),
    ("down", "--site", "local"),
    ("outputs", "--site", "local"),
    ("drill", "--site", "local", "--to", "local-dr"),
    ("workspace", "open", "--site", "local", "--project", "diabetes-cohort"),
    ("workspace", "close", "--site", "local", "--project", "diabetes-cohort"),
    ("workspace", "extend", "--site", "local", "--project", "diabetes-cohort",
     "--expires", "2027-06-30"),
    ("workspace", "expire", "--site", "local"),
    ("workspace", "credentials", "--site", "local", "--project", "diabetes-cohort",
     "--member", "alice"),
    ("backend", "--site", "local"),
]
# fmt: on


@pytest.mark.parametrize("command", ENGINE_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_engine_command_refuses_a_conflicting_pulumi_backend_url(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    stacks = tmp_path / "stacks"
    shutil.copytree(REPO_ROOT / "stacks", stacks)
    manifest = REPO_ROOT / "projects" / "local" / "diabetes-cohort.yaml"
    before = manifest.read_bytes()
    done = hubctl(
        *command,
        without=("HUB_STATE_BACKEND",),
        env={"PULUMI_BACKEND_URL": "file:///somewhere/else", STACKS_DIR_VARIABLE: str(stacks)},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    # where the stacks of the site the command acts on are (the drill acts on its target)
    assert (LOCAL_DR_FILE if command[0] == "drill" else LOCAL_S3) in output, output
    assert "Traceback" not in output
    assert sorted(p.name for p in stacks.iterdir()) == sorted(
        p.name for p in (REPO_ROOT / "stacks").iterdir()
    )  # no workspace stack file written
    assert manifest.read_bytes() == before


def test_workspace_list_reads_no_backend() -> None:
    done = hubctl(
        "workspace", "list", "--site", "local", "--format", "json",
        without=("HUB_STATE_BACKEND",), env={"PULUMI_BACKEND_URL": "file:///somewhere/else"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert isinstance(json.loads(done.stdout), list)


def test_backend_command_prints_the_sites_backend_and_its_origin_as_json() -> None:
    done = hubctl(
        "backend", "--site", "local-dr", "--format", "json", without=("HUB_STATE_BACKEND",)
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["url"] == LOCAL_DR_FILE
    assert record["origin"].startswith("hub:stateBackend (stacks/sites.yaml:")


def test_backend_command_prints_exports_the_pulumi_cli_reads() -> None:
    done = hubctl("backend", "--site", "local-dr", without=("HUB_STATE_BACKEND",))
    assert done.returncode == 0, done.stderr
    assert f"export PULUMI_BACKEND_URL={LOCAL_DR_FILE}" in done.stdout.splitlines()


def test_backend_command_refuses_an_unknown_format() -> None:
    done = hubctl("backend", "--site", "local", "--format", "yaml")
    assert done.returncode == 2
    assert "allowed: env, json" in done.stderr
