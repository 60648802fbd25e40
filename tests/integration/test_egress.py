"""Egress: the main job needs nothing outside this machine.

`make up`'s script runs in a network namespace that has only a loopback interface: the engine
(from its warm cache), the local cloud (a private instance on that namespace's own 127.0.0.1)
and the deployment of every layer must all succeed there. Any attempt to reach another address,
a name server included, fails inside the namespace, so success is the proof.

The cloud here is API-only (LOCAL_CLOUD_DATA_PLANE=0): the data-plane tier makes the same proof
for booted hosts, its private cloud and `hubctl up --wait-hosts` running in a namespace of its own
that has only a loopback interface too (scripts/test).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT

pytestmark = pytest.mark.integration


def test_make_up_succeeds_in_a_namespace_with_only_loopback(
    engine_exports: dict[str, str], tmp_path: Path
) -> None:
    script = f"""
set -euo pipefail
ip link set lo up
test "$(ip -o link show | wc -l)" -eq 1   # loopback only: no route anywhere else
export LOCAL_CLOUD_DIR={tmp_path}/cloud LOCAL_CLOUD_DATA_PLANE=0
export HUB_STATE_BACKEND=file://{tmp_path}/backend
export HUB_SSH_DIR={tmp_path}/ssh   # not the user's site's access files, under .state/ssh/
mkdir -p {tmp_path}/backend
trap 'scripts/local-cloud stop || true' EXIT
scripts/up
scripts/down
"""
    completed = subprocess.run(
        ["unshare", "--net", "bash", "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=3000,
        check=False,
    )
    output = completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.returncode == 0, output
    assert "local-compute" in completed.stdout, output
