"""Run hubctl in a process group of its own and kill the whole group at a chosen engine event.

The kill point is chosen from the engine's event stream (hubctl appends every event to
HUB_EVENT_LOG, one JSON line each), never from a sleep: e.g. "the first create of an Instance".
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hubcore import procfs
from hubcore.paths import REPO_ROOT

Event = dict[str, object]
Point = Callable[[Event], bool]
# Every process started under a test carries it (inherited), so the test can tell whether any
# is left after the kill, whatever hubctl's own guard does.
TEST_MARK = "HUB_FAULT_TEST"


@dataclass
class Killed:
    event: Event | None
    seconds: float
    returncode: int | None
    output: str
    mark: str


def hubctl(
    args: list[str], env: dict[str, str], log: Path, mark: str | None = None
) -> subprocess.Popen[bytes]:
    mark = mark or uuid.uuid4().hex
    out = log.open("ab")
    return subprocess.Popen(
        [str(REPO_ROOT / ".venv/bin/hubctl"), *args],
        cwd=REPO_ROOT,
        env={**os.environ, **env, TEST_MARK: mark},
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def run_and_kill(
    args: list[str], env: dict[str, str], workdir: Path, point: Point, timeout: float = 1200
) -> Killed:
    events = workdir / f"events-{uuid.uuid4().hex[:8]}.jsonl"
    log = workdir / "hubctl.log"
    mark = uuid.uuid4().hex
    started = time.monotonic()
    process = hubctl(args, {**env, "HUB_EVENT_LOG": str(events)}, log, mark)
    seen = 0
    hit: Event | None = None
    while time.monotonic() - started < timeout and process.poll() is None:
        lines = events.read_text().splitlines() if events.exists() else []
        for line in lines[seen:]:
            try:
                event = json.loads(line)
            except ValueError:  # a line being written
                break
            seen += 1
            if point(event):
                hit = event
                break
        if hit is not None:
            os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait(timeout=60)
    return Killed(
        hit, time.monotonic() - started, process.returncode, log.read_text(errors="replace"), mark
    )


def run(
    args: list[str], env: dict[str, str], workdir: Path, timeout: float = 1800
) -> tuple[int, str]:
    log = workdir / f"run-{uuid.uuid4().hex[:8]}.log"
    process = hubctl(args, env, log)
    code = process.wait(timeout=timeout)
    return code, log.read_text(errors="replace")


def left_running(mark: str, timeout: float = 30) -> list[str]:
    """Processes still carrying the test's mark once the guard has had time to reap them."""
    needle = f"{TEST_MARK}={mark}".encode()
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for pid in procfs.pids():
            environ, stat = procfs.environ(pid), procfs.stat(pid)
            if environ is None or needle not in environ or stat is None or stat.state == "Z":
                continue
            try:
                found.append(f"{pid} {(procfs.PROC / str(pid) / 'cmdline').read_bytes()[:120]!r}")
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)
