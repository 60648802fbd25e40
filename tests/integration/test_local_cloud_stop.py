"""`scripts/local-cloud stop` leaves no listening socket and no process of the cloud behind.

The cloud is started again at the end (and timed), because the rest of the integration tier
deploys to it.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from hubcore import procfs
from localcloud.layout import default_layout
from localcloud.processes import instance_processes, listening_ports
from localcloud.services import CLOUD_PORTS

REPO = Path(__file__).resolve().parents[2]
SCRIPT = str(REPO / "scripts/local-cloud")

pytestmark = pytest.mark.integration


def _listening_sockets() -> set[int]:
    """Ports of the cloud in LISTEN state per the kernel (any address, IPv4 and IPv6)."""
    return procfs.listening_tcp_ports() & set(CLOUD_PORTS)


def test_stop_leaves_nothing_then_start_again() -> None:
    subprocess.run([SCRIPT, "start"], cwd=REPO, check=True, timeout=1800)
    layout = default_layout()
    assert instance_processes(layout), "the cloud should be running before stop"
    # The machine's cloud may be another checkout's (this one has none of its own): stop it
    # and start that same cloud again, never a new empty one.
    env = {**os.environ, "LOCAL_CLOUD_DIR": str(layout.state)}

    subprocess.run([SCRIPT, "stop"], cwd=REPO, env=env, check=True, timeout=300)
    try:
        assert _listening_sockets() == set()
        assert listening_ports() == []
        assert instance_processes(layout) == []
        status = subprocess.run([SCRIPT, "status"], cwd=REPO, capture_output=True, text=True)
        assert status.returncode != 0
        assert "healthy" not in status.stdout
    finally:
        started = time.monotonic()
        subprocess.run([SCRIPT, "start"], cwd=REPO, env=env, check=True, timeout=1800)
        print(f"start after stop: {time.monotonic() - started:.0f} s")
    status = subprocess.run([SCRIPT, "status"], cwd=REPO, capture_output=True, text=True)
    assert status.returncode == 0, status.stdout
