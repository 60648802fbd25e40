"""The engine needs no network: no update check, no plugin download, no telemetry call."""

from __future__ import annotations

import subprocess

import pytest

from tests.engine.conftest import POLICIES, Stack, StackFactory

pytestmark = pytest.mark.engine


def run_without_network(stack: Stack, command: str) -> subprocess.CompletedProcess[str]:
    """Run a shell command in a new network namespace that has only a loopback interface."""
    return subprocess.run(
        ["unshare", "--net", "bash", "-c", f"ip link set lo up && {command}"],
        cwd=stack.project_dir,
        env={**stack.run.env, **stack.run.extra_env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_up_with_the_policy_pack_and_destroy_work_with_no_network(
    make_stack: StackFactory,
) -> None:
    stack = make_stack("tls-only")
    up = run_without_network(
        stack,
        f"pulumi up --yes --skip-preview --non-interactive --policy-pack {POLICIES}",
    )
    assert up.returncode == 0, up.stdout + up.stderr
    assert len(stack.resources()) == 4  # stack, tls provider, key, certificate
    down = run_without_network(stack, "pulumi destroy --yes --skip-preview --non-interactive")
    assert down.returncode == 0, down.stdout + down.stderr
    assert stack.resources() == []
