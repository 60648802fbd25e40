"""`scripts/local-cloud logs --errors`: what the cloud refused, one line per distinct error."""

from __future__ import annotations

from pathlib import Path

import pytest

from localcloud.cli import main
from localcloud.logscan import errors

SCHEDULER_LOG = """\
2026-11-29 03:15:40.100 4242 INFO cinder.scheduler.host_manager [-] Starting
2026-11-29 03:15:45.200 4242 ERROR cinder.scheduler.flows.create_volume [req-1 - - - - - -] \
Failed to run task cinder.scheduler.flows.create_volume.ScheduleCreateVolumeTask;\
volume:create: No valid backend was found. : cinder.exception.NoValidBackend: No valid backend
2026-11-29 03:15:46.300 4242 ERROR cinder.scheduler.flows.create_volume [req-2 - - - - - -] \
Failed to run task cinder.scheduler.flows.create_volume.ScheduleCreateVolumeTask;\
volume:create: No valid backend was found. : cinder.exception.NoValidBackend: No valid backend
"""

VOLUME_LOG = """\
2026-11-29 03:16:00.001 77 ERROR oslo_messaging.rpc.server [req-9 - - - - - -] Exception during \
message handling: cinder.exception.ImageCopyFailure: Failed to copy image to volume
2026-11-29 03:16:00.002 77 ERROR oslo_messaging.rpc.server Traceback (most recent call last):
2026-11-29 03:16:00.002 77 ERROR oslo_messaging.rpc.server   File "/usr/lib/x.py", line 1, in f
2026-11-29 03:16:00.002 77 ERROR oslo_messaging.rpc.server     raise ImageCopyFailure()
2026-11-29 03:16:00.002 77 ERROR oslo_messaging.rpc.server \
cinder.exception.ImageCopyFailure: Failed to copy image to volume
"""


@pytest.fixture()
def log_dir(tmp_path: Path) -> Path:
    (tmp_path / "cinder-scheduler.log").write_text(SCHEDULER_LOG)
    (tmp_path / "cinder-volume.log").write_text(VOLUME_LOG)
    return tmp_path


def test_informational_lines_are_not_errors(log_dir: Path) -> None:
    found = errors([log_dir / "cinder-scheduler.log"])
    assert all("Starting" not in e.message for e in found)


def test_the_same_error_for_two_requests_is_one_line_with_a_count(log_dir: Path) -> None:
    [error] = errors([log_dir / "cinder-scheduler.log"])
    assert error.count == 2
    assert "No valid backend was found" in error.message
    assert error.line(200).startswith("cinder-scheduler 03:15:45 (x2) ")


def test_a_logged_traceback_is_reduced_to_the_exception_it_ended_with(log_dir: Path) -> None:
    found = errors([log_dir / "cinder-volume.log"])
    assert [e.message for e in found] == [
        "Exception during message handling: cinder.exception.ImageCopyFailure: "
        "Failed to copy image to volume",
        "cinder.exception.ImageCopyFailure: Failed to copy image to volume",
    ]


def test_errors_before_the_given_time_are_left_out(log_dir: Path) -> None:
    found = errors(sorted(log_dir.glob("*.log")), since="2026-11-29 03:15:50")
    assert {e.service for e in found} == {"cinder-volume"}


def test_errors_come_in_the_order_they_first_appeared(log_dir: Path) -> None:
    found = errors(sorted(log_dir.glob("*.log")))
    assert [e.service for e in found] == ["cinder-scheduler", "cinder-volume", "cinder-volume"]


def test_a_long_error_is_cut_to_the_width_asked(log_dir: Path) -> None:
    [error] = errors([log_dir / "cinder-scheduler.log"])
    assert len(error.line(60)) == 60
    assert error.line(60).endswith("...")


def test_an_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", "--errors", "--since"]) == 2
    assert "usage" in capsys.readouterr().err
