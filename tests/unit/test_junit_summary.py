"""The test command's last lines name what failed, read from the JUnit files real pytest runs
wrote (tests/junit_summary.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.junit_summary import summary

SAMPLE_TESTS = """
import pytest

@pytest.fixture
def broken():
    raise RuntimeError("the fixture could not start")

def test_holds():
    assert True

def test_breaks():
    assert 1 == 2, "one is not two"

def test_errors(broken):
    pass

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass
"""


def junit_of(tmp_path: Path, source: str, name: str = "report.xml") -> Path:
    tests = tmp_path / "test_sample.py"
    tests.write_text(source)
    report = tmp_path / name
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(tests),
            f"--junitxml={report}",
            "--rootdir",
            str(tmp_path),
            "-c",
            "/dev/null",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    return report


def test_a_failed_and_an_errored_test_are_named_with_their_first_message_line(tmp_path: Path):
    lines = summary([junit_of(tmp_path, SAMPLE_TESTS)])
    assert len(lines) == 2, lines
    failed, errored = lines
    assert failed.startswith("FAILURE test_sample::test_breaks (report.xml): ")
    assert "one is not two" in failed
    assert errored.startswith("ERROR test_sample::test_errors (report.xml): ")
    assert "the fixture could not start" in errored


def test_a_run_where_everything_passed_gives_no_line(tmp_path: Path):
    assert summary([junit_of(tmp_path, "def test_holds():\n    assert True\n")]) == []


def test_a_tier_that_wrote_no_report_is_named(tmp_path: Path):
    missing = tmp_path / "junit-dataplane.xml"
    assert summary([missing]) == [f"NO REPORT {missing}: that tier wrote no JUnit file"]


def test_an_unreadable_report_is_named_not_raised(tmp_path: Path):
    report = tmp_path / "junit.xml"
    report.write_text("<testsuites><testsuite>")
    [line] = summary([report])
    assert line.startswith(f"UNREADABLE REPORT {report}: ")


def test_a_long_message_is_cut_to_one_short_line(tmp_path: Path):
    long_failure = f"def test_long():\n    assert False, {'x' * 1000!r} + '\\nsecond line'\n"
    [line] = summary([junit_of(tmp_path, long_failure)])
    assert "second line" not in line
    assert len(line) < 300
