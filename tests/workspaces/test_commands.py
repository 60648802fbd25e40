"""`hubctl workspace` offline: refusals exit 2 with nothing done, list and expire read the
manifests and the stack files, extend rewrites only the expiry."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from ipaddress import IPv4Network
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubcore.stackfiles import STACKS_DIR, stacks_dir
from hubctl.cli import app
from hubctl.workspaces.opened import write_stack_file
from infra.config import WorkspaceSpec
from tests.workspaces.conftest import Manifests, base_manifest

runner = CliRunner()
TAG = f"c{os.getpid()}"


@pytest.fixture
def opened() -> Iterator[Callable[..., Path]]:
    """A stack file as `open` writes it (no deployment), in the test's copy of stacks/."""
    made: list[Path] = []

    def write(project: str, cidr: str, **changes: str) -> Path:
        spec = WorkspaceSpec.model_validate({**base_manifest(project), **changes, "cidr": cidr})
        path = write_stack_file("local", spec)
        made.append(path)
        return path

    yield write
    for path in made:
        path.unlink(missing_ok=True)


def ws_files() -> set[str]:
    return {p.name for p in stacks_dir().glob("Pulumi.local-ws-*.yaml")}


def test_open_refuses_a_bad_manifest_with_exit_2_and_writes_nothing(projects: Manifests) -> None:
    project = f"bad-{TAG}"
    projects(project, datasets=["imaging"])
    before = ws_files()
    result = runner.invoke(app, ["workspace", "open", "--site", "local", "--project", project])
    assert result.exit_code == 2, result.output
    assert "datasets[0] = 'imaging'" in result.output
    assert ws_files() == before


def test_open_refuses_an_unknown_project_with_exit_2(projects: Manifests) -> None:
    result = runner.invoke(app, ["workspace", "open", "--site", "local", "--project", "nope"])
    assert result.exit_code == 2 and "no manifest for project 'nope'" in result.output


def test_open_refuses_an_unknown_site_with_exit_2() -> None:
    result = runner.invoke(app, ["workspace", "open", "--site", "mars", "--project", "x"])
    assert result.exit_code == 2 and "mars" in result.output


def test_open_refuses_an_expired_manifest(projects: Manifests) -> None:
    project = f"old-{TAG}"
    projects(project, starts="2020-01-01", expires="2020-12-31")
    result = runner.invoke(app, ["workspace", "open", "--site", "local", "--project", project])
    assert result.exit_code == 2 and "is past" in result.output
    assert not (stacks_dir() / f"Pulumi.local-ws-{project}.yaml").exists()
    assert not (STACKS_DIR / f"Pulumi.local-ws-{project}.yaml").exists()


def test_extend_beyond_the_authorisation_is_refused_and_changes_nothing(
    projects: Manifests,
) -> None:
    path = projects(f"ext-{TAG}")
    before = path.read_text()
    result = runner.invoke(
        app,
        ["workspace", "extend", "--site", "local", "--project", f"ext-{TAG}",
         "--expires", "2031-07-01"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "refused (MR-004)" in result.output and "2031-06-30" in result.output
    assert path.read_text() == before


def test_extend_of_a_workspace_not_open_rewrites_only_the_expiry(projects: Manifests) -> None:
    path = projects(f"ext2-{TAG}")
    lines = path.read_text().splitlines()
    result = runner.invoke(
        app,
        ["workspace", "extend", "--site", "local", "--project", f"ext2-{TAG}",
         "--expires", "2031-06-30"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    after = path.read_text().splitlines()
    changed = [(a, b) for a, b in zip(lines, after, strict=True) if a != b]
    assert changed == [("expires: '2030-12-31'", "expires: 2031-06-30")]


def test_extend_refuses_a_date_that_is_no_date(projects: Manifests) -> None:
    projects(f"ext3-{TAG}")
    result = runner.invoke(
        app,
        ["workspace", "extend", "--site", "local", "--project", f"ext3-{TAG}",
         "--expires", "next year"],
    )  # fmt: skip
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_list_gives_id_state_expiry_days_left_and_members(
    projects: Manifests, opened: Callable[..., Path]
) -> None:
    projects(f"pending-{TAG}")
    projects(f"broken-{TAG}", datasets=["imaging"])
    opened(f"open-{TAG}", "10.41.250.0/24")
    result = runner.invoke(
        app, ["workspace", "list", "--site", "local", "--format", "json", "--as-of", "2030-12-21"]
    )
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert rows[f"pending-{TAG}"]["state"] == "pending"
    assert rows[f"pending-{TAG}"]["days_left"] == 10  # 2030-12-21 to 2030-12-31
    assert rows[f"pending-{TAG}"]["members"] == ["alice", "bruno"]
    assert rows[f"broken-{TAG}"]["state"] == "invalid"
    assert rows[f"open-{TAG}"]["state"] == "open"
    assert rows[f"open-{TAG}"]["cidr"] == "10.41.250.0/24"
    late = runner.invoke(
        app, ["workspace", "list", "--site", "local", "--format", "json", "--as-of", "2031-01-01"]
    )
    assert {r["id"]: r["state"] for r in json.loads(late.output)}[f"open-{TAG}"] == "expired"


def test_list_text_has_one_line_per_workspace(projects: Manifests) -> None:
    projects(f"text-{TAG}")
    result = runner.invoke(app, ["workspace", "list", "--site", "local"])
    line = next(ln for ln in result.output.splitlines() if ln.startswith(f"text-{TAG}"))
    assert "pending" in line and "2030-12-31" in line and "alice, bruno" in line


def test_expire_dry_run_exits_1_when_a_workspace_is_due(opened: Callable[..., Path]) -> None:
    opened(f"due-{TAG}", "10.41.251.0/24")
    result = runner.invoke(
        app, ["workspace", "expire", "--site", "local", "--as-of", "2031-01-01", "--dry-run"]
    )
    assert result.exit_code == 1
    assert f"due: due-{TAG} (expired 2030-12-31" in result.output


def test_expire_dry_run_exits_0_when_nothing_is_due(opened: Callable[..., Path]) -> None:
    opened(f"notdue-{TAG}", "10.41.252.0/24")
    result = runner.invoke(
        app, ["workspace", "expire", "--site", "local", "--as-of", "2030-12-31", "--dry-run"]
    )
    assert f"notdue-{TAG}" not in result.output
    if not any(line.startswith("due:") for line in result.output.splitlines()):
        assert result.exit_code == 0


def test_expire_refuses_a_bad_date_with_exit_2() -> None:
    result = runner.invoke(app, ["workspace", "expire", "--site", "local", "--as-of", "soon"])
    assert result.exit_code == 2


def test_the_allocated_range_survives_a_rerun(opened: Callable[..., Path]) -> None:
    from hubctl.workspaces.opened import range_for

    opened(f"keep-{TAG}", "10.41.253.0/24")
    pool = IPv4Network("10.41.0.0/16")
    assert range_for("local", f"keep-{TAG}", pool) == IPv4Network("10.41.253.0/24")
    fresh = range_for("local", f"fresh-{TAG}", pool)
    assert fresh != IPv4Network("10.41.253.0/24") and fresh.subnet_of(pool)


def test_extend_to_a_past_date_is_refused(projects: Manifests) -> None:
    # Started long ago: a past date after the start passes every manifest check but this one.
    path = projects(f"ext4-{TAG}", starts="2020-01-01", expires="2022-06-30")
    before = path.read_text()
    result = runner.invoke(
        app,
        ["workspace", "extend", "--site", "local", "--project", f"ext4-{TAG}",
         "--expires", "2021-01-01"],
    )  # fmt: skip
    assert result.exit_code == 2 and "not in the future" in result.output
    assert path.read_text() == before
