"""With $HUB_STACKS_DIR set, the real engine reads and writes stack files in that folder, never
in the checkout's stacks/ (hubctl.engine_project)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from pulumi import automation as auto

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import STACKS_DIR, STACKS_DIR_VARIABLE
from hubctl.engine_project import StacksDirError, engine_work_dir

pytestmark = pytest.mark.engine

STACK = "local-ws-viewtest"


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.fixture
def copied_stacks(tmp_path: Path) -> Path:
    copy = tmp_path / "stacks"
    shutil.copytree(STACKS_DIR, copy)
    return copy


@pytest.fixture
def checkout_before() -> dict[str, str]:
    """The checkout's stack files before the engine ran (view_stack depends on this)."""
    return fingerprint(STACKS_DIR)


@pytest.fixture
def view_stack(
    checkout_before: dict[str, str],
    engine_env: dict[str, str],
    copied_stacks: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> auto.Stack:
    """A new stack of the hub's project, created by the engine running in the view."""
    for key, value in engine_env.items():
        monkeypatch.setenv(key, value)
    backend = tmp_path / "backend"
    backend.mkdir()
    environ = {
        STACKS_DIR_VARIABLE: str(copied_stacks),
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "view-test-only",
    }
    work_dir = str(engine_work_dir(environ))
    options = auto.LocalWorkspaceOptions(
        work_dir=work_dir, env_vars=environ, secrets_provider="passphrase"
    )
    return auto.create_stack(STACK, work_dir=work_dir, opts=options)


def test_a_new_stacks_salt_and_config_go_to_hub_stacks_dir_and_the_checkout_is_unchanged(
    view_stack: auto.Stack, copied_stacks: Path, checkout_before: dict[str, str]
) -> None:
    view_stack.set_config("hub:probe", auto.ConfigValue("a-value", secret=True))

    written = (copied_stacks / f"Pulumi.{STACK}.yaml").read_text()
    assert "encryptionsalt:" in written
    assert "hub:probe:" in written and "secure:" in written
    assert "a-value" not in written
    assert fingerprint(STACKS_DIR) == checkout_before


def test_the_engine_reads_the_config_of_hub_stacks_dirs_file(view_stack: auto.Stack) -> None:
    view_stack.set_config("hub:probe", auto.ConfigValue("from-the-copy"))
    assert view_stack.get_config("hub:probe").value == "from-the-copy"
    assert view_stack.get_all_config()["hub:probe"].value == "from-the-copy"


def test_a_value_written_into_the_copy_by_hand_is_what_the_engine_reads(
    view_stack: auto.Stack, copied_stacks: Path
) -> None:
    path = copied_stacks / f"Pulumi.{STACK}.yaml"
    path.write_text(path.read_text() + "config:\n  hub:probe: written-by-hand\n")
    assert view_stack.get_config("hub:probe").value == "written-by-hand"
    assert not (STACKS_DIR / f"Pulumi.{STACK}.yaml").exists()


def test_the_view_is_the_checkout_but_its_stacks_folder(copied_stacks: Path) -> None:
    view = engine_work_dir({STACKS_DIR_VARIABLE: str(copied_stacks)})
    assert view != REPO_ROOT
    assert (view / "stacks").resolve() == copied_stacks.resolve()
    for entry in REPO_ROOT.iterdir():
        if entry.name != "stacks":
            assert (view / entry.name).resolve() == entry.resolve(), entry.name


def test_without_hub_stacks_dir_or_with_the_checkouts_own_the_engine_runs_in_the_checkout() -> None:
    assert engine_work_dir({}) == REPO_ROOT
    assert engine_work_dir({STACKS_DIR_VARIABLE: ""}) == REPO_ROOT
    assert engine_work_dir({STACKS_DIR_VARIABLE: str(STACKS_DIR)}) == REPO_ROOT


def test_a_hub_stacks_dir_that_is_no_folder_is_refused_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(StacksDirError) as refused:
        engine_work_dir({STACKS_DIR_VARIABLE: str(tmp_path / "absent")})
    assert STACKS_DIR_VARIABLE in str(refused.value)
    assert refused.value.key == STACKS_DIR_VARIABLE


def test_a_view_whose_stacks_folder_is_gone_is_removed_when_a_new_view_is_made(
    tmp_path: Path,
) -> None:
    gone = tmp_path / "gone" / "stacks"
    shutil.copytree(STACKS_DIR, gone)
    old_view = engine_work_dir({STACKS_DIR_VARIABLE: str(gone)})
    kept = tmp_path / "kept" / "stacks"
    shutil.copytree(STACKS_DIR, kept)
    kept_view = engine_work_dir({STACKS_DIR_VARIABLE: str(kept)})
    shutil.rmtree(gone)

    engine_work_dir({STACKS_DIR_VARIABLE: str(shutil.copytree(STACKS_DIR, tmp_path / "new"))})
    assert not old_view.exists()
    assert (kept_view / "stacks").resolve() == kept.resolve()
    assert (REPO_ROOT / "Pulumi.yaml").is_file()  # the links went, never what they point to
