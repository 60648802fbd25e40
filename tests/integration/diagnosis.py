"""What an integration test says when a deployment fails: enough to fix it from CI's output."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from hubcore.paths import REPO_ROOT
from hubctl.deploy import LayerRun


def failures(runs: list[LayerRun]) -> str:
    """Why a deployment failed: each failed layer's error and the tail of its engine log, then
    the errors the cloud's services logged while it ran (the provider's own message often only
    says "check the API logs")."""
    failed = [r for r in runs if r.status != "done"]
    began = min((r.started for r in runs if r.started is not None), default=time.monotonic())
    since = time.strftime(
        "%Y-%m-%d %H:%M:%S", time.localtime(time.time() - (time.monotonic() - began))
    )
    cloud = subprocess.run(
        [
            str(REPO_ROOT / "scripts/local-cloud"),
            "logs",
            "--errors",
            "--since",
            since,
            "--limit",
            "8",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    layers = "\n".join(f"{r.stack}: {r.status}: {r.error}\n{_tail(r.log)}" for r in failed)
    return f"{layers}\n{cloud}"


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-30:])
