"""A throw-away copy of the repository as a git project, for running CI tools on it.

gitlab-ci-local reads the project's git data and runs shell-executor jobs in the project
directory, and a red-pipeline test edits a stack file: both need a copy, never this worktree.
The copy shares this worktree's virtualenv; `PYTHONPATH=.` in its jobs makes its own sources
(and so its own stacks/) the ones hubctl imports.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hubcore.paths import REPO_ROOT
from tests.hubctl_runner import run_hubctl

CI_TOOLS = REPO_ROOT / "ci" / "node_modules"
GITLAB_CI_LOCAL = CI_TOOLS / ".bin" / "gitlab-ci-local"
HUBCTL = f"{sys.executable} -m hubctl.cli"


def tracked_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listing.split("\0") if name and not name.startswith("ci/node_mod")]


@dataclass
class Project:
    root: Path

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.email=ci@hub.invalid", "-c", "user.name=ci", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def hubctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(self.root)}
        return run_hubctl(*args, env=env, cwd=self.root, timeout=300)

    def gitlab_ci_local(
        self, *args: str, variables: dict[str, str] | None = None, timeout: int = 600
    ) -> subprocess.CompletedProcess[str]:
        values = {"HUBCTL": HUBCTL, "PYTHONPATH": ".", **(variables or {})}
        command = [str(GITLAB_CI_LOCAL), "--force-shell-executor", "--no-color", *args]
        for key, value in values.items():
            command += ["--variable", f"{key}={value}"]
        return subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, timeout=timeout
        )

    def jobs(self, pipeline: str) -> dict[str, dict[str, object]]:
        """gitlab-ci-local's own reading of the pipeline: name -> {stage, when, needs...}."""
        listed = self.gitlab_ci_local("--file", pipeline, "--list-json")
        assert listed.returncode == 0, listed.stdout + listed.stderr
        start = listed.stdout.index("[")
        return {job["name"]: job for job in json.loads(listed.stdout[start:])}

    def artifact(self, job: str, path: str) -> Path:
        """A file a job exported as an artifact (gitlab-ci-local's own artifacts folder)."""
        return self.root / ".gitlab-ci-local" / "artifacts" / safe_job_name(job) / path


def safe_job_name(job: str) -> str:
    """The folder gitlab-ci-local keeps a job's files in: every run of characters other than
    word characters and '-' base64url-encoded (its Utils.safeDockerString)."""
    return re.sub(
        r"[^\w-]+",
        lambda m: base64.urlsafe_b64encode(m.group().encode()).decode().rstrip("="),
        job,
    )


def make_project(where: Path) -> Project:
    where.mkdir(parents=True, exist_ok=True)
    for name in tracked_files():
        source = REPO_ROOT / name
        if source.is_file() and not source.is_symlink():
            target = where / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (where / ".venv").symlink_to(REPO_ROOT / ".venv")
    project = Project(where)
    project.git("init", "-q", "-b", "main")
    project.commit("copy of the hub for a CI run")
    return project
