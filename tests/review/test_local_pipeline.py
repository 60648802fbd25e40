"""The whole generated pipeline of the `local` site, preview and up jobs included, run by
gitlab-ci-local against the local cloud, then destroyed.

It must not touch the user's deployed `local` site: the jobs use a DIY backend of their own
(HUB_STATE_BACKEND to a temporary file:// folder, which `hubctl backend` hands them), so the
user's state is never read or written, and no DR step runs (no drill, no replication, nothing
of `local-dr`). On destroy, the only Barbican secrets deleted are those the test's own key
orders generated, read from its own state, never a name prefix the user's site shares.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cloud import LOCAL_PASSPHRASE, generated_key_refs
from tests.review.project import GITLAB_CI_LOCAL, HUBCTL, Project, make_project

pytestmark = pytest.mark.integration
LAYERS = ("network", "kms", "storage", "compute")
READS = {"network": (), "kms": (), "storage": ("kms",), "compute": ("network", "kms")}
RUN_BACKEND: list[Path] = []
UP_JOBS = [f"up:local-{layer}" for layer in LAYERS]


@pytest.fixture(scope="module")
def run(
    engine_exports: dict[str, str],
    cloud_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Project, subprocess.CompletedProcess[str]]]:
    project = make_project(tmp_path_factory.mktemp("hub-local-copy"))
    backend = tmp_path_factory.mktemp("backend")
    RUN_BACKEND[:] = [backend]
    env = {
        **os.environ,
        **engine_exports,
        **cloud_env,
        # Every stack of the site there, for hubctl (the jobs take the backend from `hubctl
        # backend`) and for the test's own bare CLI calls alike.
        "HUB_STATE_BACKEND": f"file://{backend}",
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE,
        "PYTHONPATH": str(project.root),
    }
    generated = project.hubctl("pipeline", "gitlab", "--site", "local", "--output", "hub.yml")
    assert generated.returncode == 0, generated.stderr
    command = [
        str(GITLAB_CI_LOCAL),
        "--force-shell-executor",
        "--no-color",
        "--file",
        "hub.yml",
        "--concurrency",
        "2",
        "--variable",
        f"HUBCTL={HUBCTL}",
        "--variable",
        "PYTHONPATH=.",
        *(option for job in UP_JOBS for option in ("--manual", job)),
    ]
    result = subprocess.run(
        command, cwd=project.root, env=env, capture_output=True, text=True, timeout=2400
    )
    try:
        yield project, result
    finally:
        _destroy(project, env)


def _generated_key_refs(project: Project, env: dict[str, str]) -> list[str]:
    exported = subprocess.run(
        ["pulumi", "stack", "export", "--stack", "local-kms"],
        cwd=project.root, env=env, capture_output=True, text=True,
    )  # fmt: skip
    return generated_key_refs(exported.stdout) if exported.returncode == 0 else []


def _destroy(project: Project, env: dict[str, str]) -> None:
    refs = _generated_key_refs(project, env)
    for layer in reversed(LAYERS):
        subprocess.run(
            ["pulumi", "destroy", "--stack", f"local-{layer}", "--yes", "--non-interactive"],
            cwd=project.root, env=env, capture_output=True, text=True, timeout=1200,
        )  # fmt: skip
    if refs:
        from hubctl.cloud import connect_from_env

        connection: Any = connect_from_env(env)
        for ref in refs:
            connection.key_manager.delete_secret(ref.rstrip("/").rsplit("/", 1)[-1])


def test_every_job_of_the_local_pipeline_passes(run):
    _, result = run
    assert result.returncode == 0, result.stdout[-6000:]
    for kind in ("check", "preview", "up"):
        for layer in LAYERS:
            assert re.search(rf"PASS\s+{kind}:local-{layer}\b", result.stdout), (kind, layer)


def test_the_up_jobs_ran_the_policy_pack(run):
    _, result = run
    assert "$PULUMI up --stack local-compute --policy-pack policies" in result.stdout
    assert "Policies:" in result.stdout or "policy" in result.stdout.lower()


def _finished_before_started(stdout: str) -> list[tuple[str, int, int]]:
    """(job, line it started, line it finished) as gitlab-ci-local's log prints them."""
    lines = stdout.splitlines()
    spans = []
    for job in {m.group(1) for m in re.finditer(r"^(\S+)\s+starting shell", stdout, re.M)}:
        start = next(
            i for i, line in enumerate(lines) if re.match(rf"{re.escape(job)}\s+starting", line)
        )
        end = next(
            i for i, line in enumerate(lines) if re.match(rf"{re.escape(job)}\s+finished", line)
        )
        spans.append((job, start, end))
    return spans


def test_jobs_ran_in_the_order_of_the_stack_graph(run):
    _, result = run
    spans = {job: (start, end) for job, start, end in _finished_before_started(result.stdout)}
    for layer, reads in READS.items():
        for read in reads:
            assert spans[f"up:local-{read}"][1] < spans[f"up:local-{layer}"][0], (read, layer)
            assert spans[f"up:local-{read}"][1] < spans[f"preview:local-{layer}"][0]
        assert spans[f"preview:local-{layer}"][1] < spans[f"up:local-{layer}"][0]
        assert spans[f"check:local-{layer}"][1] < spans[f"preview:local-{layer}"][0]


def test_the_stacks_were_deployed_in_the_tests_own_backend(run):
    states = sorted(p.stem for p in RUN_BACKEND[0].glob(".pulumi/stacks/hub/local-*.json"))
    assert states == sorted(f"local-{layer}" for layer in LAYERS)


def test_the_scheduled_audit_job_passes_on_the_deployed_site_and_keeps_its_reports(
    run: tuple[Project, subprocess.CompletedProcess[str]],
    engine_exports: dict[str, str],
    cloud_env: dict[str, str],
) -> None:
    """What CI/CD > Schedules runs: `audit:local` alone, reading the states the up jobs wrote."""
    project, deployed = run
    assert deployed.returncode == 0, deployed.stdout[-3000:]
    env = {
        **os.environ, **engine_exports, **cloud_env, "PYTHONPATH": str(project.root),
        "HUB_STATE_BACKEND": f"file://{RUN_BACKEND[0]}",
    }  # fmt: skip
    env.pop("PULUMI_BACKEND_URL", None)
    command = [str(GITLAB_CI_LOCAL), "--force-shell-executor", "--no-color", "--file", "hub.yml"]
    variables = {"HUBCTL": HUBCTL, "PYTHONPATH": ".", "CI_PIPELINE_SOURCE": "schedule"}
    for key, value in variables.items():
        command += ["--variable", f"{key}={value}"]
    result = subprocess.run(
        [*command, "audit:local"],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert re.search(r"PASS\s+audit:local\b", result.stdout)
    quality = project.artifact("audit:local", "reports/hubctl/audit-local.codequality.json")
    assert quality.read_text().strip() == "[]"
    records = list((project.root / "reports" / "audits").glob("local-*.json"))
    assert records, "the audit record is kept"
