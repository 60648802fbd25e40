"""The local cloud's command line (localcloud/cli.py, argparse): each documented form reads as
the command meant, and a line it refuses prints that command's usage and exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from localcloud.cli import ERRORS_USAGE, ISOLATE_USAGE, TAIL_USAGE, USAGE, main, parse


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["start"], {"command": "start"}),
        (["env"], {"command": "env", "who": "", "officer": "1"}),
        (["env", "dr"], {"who": "dr"}),
        (["env", "officer", "2"], {"who": "officer", "officer": "2"}),
        (["logs"], {"service": None, "lines": None, "tail": None, "errors": False}),
        (["logs", "keystone", "10"], {"service": "keystone", "lines": "10"}),
        (["logs", "all"], {"service": "all", "lines": None}),
        (["logs", "--tail", "40"], {"tail": "40", "service": None}),
        (["logs", "--tail", "40", "nova-api"], {"tail": "40", "service": "nova-api"}),
        (
            ["logs", "--errors", "--since", "2026-11-29 03:15:50", "--limit", "8"],
            {"errors": True, "since": "2026-11-29 03:15:50", "limit": "8"},
        ),
        (["purge-secrets", "a", "b"], {"secret_ids": ["a", "b"]}),
        (["purge-secrets"], {"secret_ids": []}),
        (["patch"], {"command": "patch"}),
        (["mode"], {"command": "mode"}),
    ],
)
def test_each_documented_form_reads_as_meant(argv, expected) -> None:
    args, command = parse(argv)
    assert {key: getattr(args, key) for key in expected} == expected
    assert command == []


def test_isolate_passes_everything_after_the_separator_to_the_command() -> None:
    args, command = parse(["isolate", "LOCAL1", "--at-loss", "--", "openstack", "--os-x", "--"])
    assert (args.region, args.at_loss) == ("LOCAL1", True)
    assert command == ["openstack", "--os-x", "--"]
    args, command = parse(["isolate", "LOCAL2", "--", "true"])
    assert (args.region, args.at_loss, command) == ("LOCAL2", False, ["true"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], USAGE),
        (["nope"], USAGE),
        (["start", "extra"], USAGE),
        (["env", "dr", "1", "2"], USAGE),
        (["logs", "--tail"], TAIL_USAGE),
        (["logs", "--tail", "x"], TAIL_USAGE),
        (["logs", "--errors", "--since"], ERRORS_USAGE),
        (["logs", "--errors", "--limit", "x"], ERRORS_USAGE),
        (["logs", "--errors", "--bogus", "1"], ERRORS_USAGE),
        (["logs", "--errors", "keystone"], ERRORS_USAGE),
        (["logs", "--since", "2026-11-29 03:15:50"], ERRORS_USAGE),
        (["isolate"], ISOLATE_USAGE),
        (["isolate", "LOCAL1"], ISOLATE_USAGE),
        (["isolate", "--at-loss", "--", "true"], ISOLATE_USAGE),
        (
            ["isolate", "LOCAL1", "--at-loss", "--fast", "--", "true"],
            "isolate: unknown option(s) --at-loss --fast; allowed: --at-loss",
        ),
    ],
)
def test_a_refused_line_prints_its_usage_and_exits_2(
    argv, message, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"local-cloud: {message}\n" and captured.out == ""


def test_mode_of_a_folder_never_started_is_unset_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # scripts/up reads `unset` as "this first start chooses": the data plane, unless told not to.
    folder = tmp_path / "cloud"
    monkeypatch.setenv("LOCAL_CLOUD_DIR", str(folder))
    assert main(["mode"]) == 0
    assert capsys.readouterr().out == "unset\n"
    assert not folder.exists()
