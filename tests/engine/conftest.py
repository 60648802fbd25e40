"""Fixtures for the engine tests: the real Pulumi CLI and plugins from scripts/toolchain.

The session starts by running scripts/toolchain (a no-op when the engine is already built)
and reading the exports of `scripts/toolchain env`, so the tests use exactly the engine a
person or CI gets with `eval "$(scripts/toolchain env)"`. Every stack lives in a DIY backend
under the test's temporary directory, with the passphrase secrets provider.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.cloud import shell_after

REPO = Path(__file__).resolve().parents[2]
PROJECTS = Path(__file__).resolve().parent / "projects"
TOOLCHAIN = REPO / "scripts" / "toolchain"
POLICIES = REPO / "policies"

# A cold build of the engine takes minutes on two cores; a warm one seconds.
TOOLCHAIN_TIMEOUT_S = 3600
PULUMI_TIMEOUT_S = 600


@pytest.fixture(scope="session")
def engine_env() -> dict[str, str]:
    """The whole environment of a person's shell after `eval "$(scripts/toolchain env)"`,
    after building the engine."""
    subprocess.run([str(TOOLCHAIN)], cwd=REPO, check=True, timeout=TOOLCHAIN_TIMEOUT_S)
    return shell_after([str(TOOLCHAIN), "env"])[0]


@dataclass
class Pulumi:
    """Runs the pulumi CLI of the toolchain in one working directory."""

    env: Mapping[str, str]
    cwd: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["pulumi", *args, "--non-interactive"],
            cwd=self.cwd,
            env={**self.env, **self.extra_env},
            capture_output=True,
            text=True,
            timeout=PULUMI_TIMEOUT_S,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} exited {result.returncode}\n"
                f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture(scope="session")
def pulumi(engine_env: dict[str, str]) -> Pulumi:
    """The CLI, run from the repository root."""
    return Pulumi(engine_env, REPO)


@dataclass
class Stack:
    """A copy of a test project with one stack in a private DIY backend."""

    name: str
    project_dir: Path
    backend_dir: Path
    run: Pulumi

    def resources(self) -> list[dict[str, Any]]:
        exported = json.loads(self.run("stack", "export").stdout)
        resources: list[dict[str, Any]] = exported["deployment"].get("resources") or []
        return resources

    def resource_types(self) -> list[str]:
        return sorted(r["type"] for r in self.resources())


StackFactory = Callable[[str], Stack]


@pytest.fixture
def make_stack(engine_env: dict[str, str], tmp_path: Path) -> Iterator[StackFactory]:
    """Copy a project from tests/engine/projects and init a stack of it in tmp_path/backend."""
    created: list[Stack] = []

    def make(project: str) -> Stack:
        project_dir = tmp_path / project
        shutil.copytree(PROJECTS / project, project_dir)
        backend_dir = tmp_path / "backend"
        backend_dir.mkdir(exist_ok=True)
        run = Pulumi(
            engine_env,
            project_dir,
            {
                "PULUMI_BACKEND_URL": backend_dir.as_uri(),
                "PULUMI_CONFIG_PASSPHRASE": "engine-test-only",
            },
        )
        run("stack", "init", "engine-test", "--secrets-provider", "passphrase")
        stack = Stack("engine-test", project_dir, backend_dir, run)
        created.append(stack)
        return stack

    yield make
    # A failing test must not leave a half-applied stack behind in the backend it owns.
    for stack in created:
        stack.run("destroy", "--yes", "--skip-preview", check=False)
        stack.run("stack", "rm", "--yes", "--force", check=False)


def pinned() -> dict[str, str]:
    """The versions tools/versions.env pins."""
    versions: dict[str, str] = {}
    for line in (REPO / "tools" / "versions.env").read_text().splitlines():
        match = re.fullmatch(r"([A-Z_]+)=(\S+)", line.strip())
        if match:
            versions[match.group(1)] = match.group(2)
    return versions
