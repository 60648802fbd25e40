"""Nothing outlives what started it: hubctl's guard, and the host roots' first boots.

Each test starts a real process the way the engine (its own process group) or a first boot
(a daemon inside the chroot) does, kills or ends its starter, and looks in /proc.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from hostbuild.debian_root import reap_root
from hubcore import procfs

STARTER = """
import subprocess, sys, time
from hubctl.processes import guard_engine_processes
guard_engine_processes()
child = subprocess.Popen(["sleep", "300"], start_new_session=True)  # like an engine plugin
print(child.pid, flush=True)
time.sleep(300)
"""


def alive(pid: int) -> bool:
    found = procfs.stat(pid)
    return found is not None and found.state != "Z"


def wait_dead(pid: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_a_process_in_its_own_group_dies_with_a_killed_hubctl() -> None:
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER], stdout=subprocess.PIPE, start_new_session=True, text=True
    )
    assert starter.stdout is not None
    child = int(starter.stdout.readline())
    assert alive(child)
    os.killpg(starter.pid, signal.SIGKILL)  # the whole group of "hubctl": not the child's
    starter.wait()
    assert wait_dead(child), f"pid {child} outlived the killed starter"


def test_without_the_guard_such_a_process_would_survive() -> None:
    # The premise of the test above: a kill of the starter's group does not reach the child.
    code = STARTER.replace("guard_engine_processes()\n", "")
    starter = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=True, text=True
    )
    assert starter.stdout is not None
    child = int(starter.stdout.readline())
    os.killpg(starter.pid, signal.SIGKILL)
    starter.wait()
    try:
        assert not wait_dead(child, 2)
    finally:
        os.kill(child, signal.SIGKILL)


def minimal_root(root: Path) -> None:
    """A root holding `sleep` and the libraries the dynamic linker needs for it."""
    sleep = Path(shutil.which("sleep") or "/usr/bin/sleep").resolve()
    listing = subprocess.run(["ldd", str(sleep)], capture_output=True, text=True, check=True)
    files = [sleep] + [
        Path(word)
        for line in listing.stdout.splitlines()
        for word in line.split()
        if word.startswith("/")
    ]
    for path in files:
        target = root / path.relative_to("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path.resolve(), target)
    (root / "sleep").symlink_to(sleep)


def test_a_daemon_left_inside_a_root_is_stopped(tmp_path: Path) -> None:
    root = tmp_path / "root"
    minimal_root(root)
    daemon = subprocess.Popen(["chroot", str(root), "/sleep", "300"], start_new_session=True)
    time.sleep(0.5)
    assert alive(daemon.pid)
    stopped = reap_root(root)
    daemon.wait(timeout=10)
    assert daemon.pid in stopped
    assert not alive(daemon.pid)
