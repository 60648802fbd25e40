"""`hubctl workspace airlock` offline: usage errors exit 2 before any cloud is reached."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubctl.cli import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["show", "approve", "reject", "cancel", "release"])
def test_a_request_id_not_of_the_airlock_form_exits_2(command: str) -> None:
    args = [command, "--site", "local", "--project", "x", "../../etc/passwd"]
    if command in ("approve", "reject", "cancel"):
        args += ["--reason", "r"]
    result = runner.invoke(app, ["workspace", "airlock", *args])
    assert result.exit_code == 2 and "not an airlock request id" in result.output


def test_a_workspace_that_is_not_open_exits_2() -> None:
    result = runner.invoke(
        app, ["workspace", "airlock", "list", "--site", "local", "--project", "never-opened"]
    )
    assert result.exit_code == 2 and "is not open" in result.output


def test_an_unknown_format_exits_2() -> None:
    result = runner.invoke(
        app, ["workspace", "airlock", "list", "--site", "local", "--project", "x", "-f", "xml"]
    )
    assert result.exit_code == 2 and "text or json" in result.output


def test_an_unknown_site_exits_2() -> None:
    result = runner.invoke(
        app, ["workspace", "airlock", "list", "--site", "mars", "--project", "x"]
    )
    assert result.exit_code == 2 and "mars" in result.output


def test_the_airlock_lists_its_commands() -> None:
    result = runner.invoke(app, ["workspace", "airlock", "--help"])
    for command in ("submit", "list", "show", "approve", "reject", "cancel", "release"):
        assert command in result.output


@pytest.mark.parametrize(
    "name", [b"bell\x07.csv", b"caf\xe9.csv", b"rlo\xe2\x80\xaecsv.exe", b"-rf.csv"]
)
def test_submit_refuses_a_hostile_file_name_before_reaching_any_cloud(
    tmp_path: Path, name: bytes
) -> None:
    path = Path(os.fsdecode(tmp_path / os.fsdecode(name)))
    path.write_bytes(b"a,b\n10,20\n")
    result = runner.invoke(
        app,
        ["workspace", "airlock", "submit", "--site", "local", "--project", "never-opened",
         str(path), "--reason", "r"],
    )  # fmt: skip
    assert result.exit_code == 2 and "rename the file" in result.output


def test_submit_refuses_a_directory_before_reaching_any_cloud(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["workspace", "airlock", "submit", "--site", "local", "--project", "never-opened",
         str(tmp_path), "--reason", "r"],
    )  # fmt: skip
    assert result.exit_code == 2 and "not a regular file" in result.output
