"""`hubctl down` refuses, before any state or cloud is reached, a site that still has workspaces."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import STACKS_DIR_VARIABLE
from tests.offline import hubctl


def down(stacks: Path, site: str) -> subprocess.CompletedProcess[str]:
    return hubctl("down", "--site", site, env={STACKS_DIR_VARIABLE: str(stacks)})


def stacks_with(tmp_path: Path, *workspace_files: str) -> Path:
    stacks = tmp_path / "stacks"
    shutil.copytree(REPO_ROOT / "stacks", stacks)
    for name in workspace_files:
        (stacks / name).write_text("config:\n  hub:owner: data-office@hub.example\n")
    return stacks


def test_down_with_an_open_workspace_is_refused_with_exit_2_and_the_close_command(tmp_path):
    done = down(stacks_with(tmp_path, "Pulumi.local-ws-diabetes-cohort.yaml"), "local")
    assert done.returncode == 2, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "diabetes-cohort" in output
    assert "hubctl workspace close --site local --project diabetes-cohort" in output
    assert "Traceback" not in output


def test_every_open_workspace_is_named(tmp_path):
    stacks = stacks_with(
        tmp_path, "Pulumi.local-ws-diabetes-cohort.yaml", "Pulumi.local-ws-claims-pathways.yaml"
    )
    done = down(stacks, "local")
    assert done.returncode == 2
    assert "2 workspace(s) still open" in done.stdout + done.stderr


def test_a_workspace_of_another_site_does_not_hold_this_one(tmp_path):
    done = down(stacks_with(tmp_path, "Pulumi.local-dr-ws-diabetes-cohort.yaml"), "local")
    assert "still open" not in done.stdout + done.stderr
    assert "scripts/toolchain env" in done.stdout + done.stderr  # it went on, to the engine


def test_without_the_engine_on_path_up_is_a_usage_error_not_a_traceback():
    done = hubctl("up", "--site", "local")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "scripts/toolchain env" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_hub_stacks_dir_without_the_site_is_a_usage_error_naming_folder_and_variable(tmp_path):
    absent = tmp_path / "absent"
    result = hubctl("preview", "--site", "local", env={STACKS_DIR_VARIABLE: str(absent)})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no stack files for local-network" in result.stderr
    assert f"in {absent}/ ($HUB_STACKS_DIR)" in result.stderr
    assert "Traceback" not in result.stderr
