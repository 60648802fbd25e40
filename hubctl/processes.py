"""No engine process outlives hubctl: a guard that reaps them when hubctl dies, however it dies.

The engine starts its language hosts and provider plugins in process groups of their own, so a
kill of hubctl's process group (a killed CI job, an OOM, a closed laptop) leaves them running
for good. Every process hubctl starts inherits a mark in its environment (HUBCTL_RUN=<id>); a
guard in a session of its own holds the read end of a pipe whose only write end is hubctl's.
When hubctl ends, normally or not, the pipe reaches end of file and the guard stops every
process that still carries the mark: SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

from hubcore import procfs

MARK = "HUBCTL_RUN"
GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class Guard:
    run_id: str
    pid: int  # the guard's own pid


_guard: Guard | None = None


def guard_engine_processes() -> Guard:
    """Mark this process's future children and start the guard that reaps them (once)."""
    global _guard
    if _guard is not None:
        return _guard
    # Always a new id: a hubctl started by another one has its own guard and its own mark.
    run_id = uuid.uuid4().hex
    os.environ[MARK] = run_id
    read_end, write_end = os.pipe()  # both close-on-exec: no engine process inherits them
    env = {k: v for k, v in os.environ.items() if k != MARK}
    process = subprocess.Popen(
        [sys.executable, "-m", "hubctl.processes", run_id],
        stdin=read_end,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # a kill of hubctl's group must not reach the guard
    )
    os.close(read_end)
    # Held for hubctl's whole life, never written: its closing is the signal.
    _keep.append(write_end)
    _guard = Guard(run_id, process.pid)
    return _guard


_keep: list[int] = []


def marked(run_id: str, mark: str = MARK, exclude: int | None = None) -> list[int]:
    """Pids of live processes whose environment holds `mark=run_id`."""
    needle = f"{mark}={run_id}".encode()
    found = []
    for pid in procfs.pids():
        if pid in (os.getpid(), exclude):
            continue
        environ = procfs.environ(pid)  # None: gone, or not ours to read
        if environ is not None and needle in environ:
            found.append(pid)
    return found


def stop(pids: list[int], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM, a grace period for the engine's plugins to exit, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + (grace if sig == signal.SIGTERM else 1.0)
        while pids and time.monotonic() < deadline:
            pids = [pid for pid in pids if _alive(pid)]
            time.sleep(0.1)
        if not pids:
            return


def _alive(pid: int) -> bool:
    found = procfs.stat(pid)
    # A zombie is dead: only its parent's wait is missing.
    return found is not None and found.state != "Z"


def _watch(run_id: str) -> int:
    """The guard: wait for hubctl to end, then stop what carries its mark."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for hubctl, not for its guard
    while sys.stdin.buffer.read(4096):
        pass
    stop(marked(run_id))
    return 0


if __name__ == "__main__":
    raise SystemExit(_watch(sys.argv[1]))
