"""The README tier's fixtures: a newcomer's fresh clone, one terminal per document, and the site
left as the tier found it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pytest

from hubcore.paths import REPO_ROOT
from tests.readme.shell import Shell, newcomer_environment

# A prepared clone to reuse (its .venv already installed): for running the tier where the
# newcomer's `make up` cannot reach the package index, e.g. inside a network namespace.
REUSED_CLONE = "HUB_README_CLONE"
TRANSCRIPTS = REPO_ROOT / "reports" / "readme"
# The environment every README walkthrough starts from: what the README tells a newcomer to eval.
EVALS = 'eval "$(scripts/toolchain env)"; eval "$(scripts/local-cloud env)"'


def _git(*args: str, cwd: Path = REPO_ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=600
    ).stdout


def _overlay_working_tree(clone: Path) -> None:
    """What the checkout has and its last commit has not (edited, new and deleted files), so the
    tier runs the documents and the code as they are being changed."""
    for name in filter(None, _git("ls-files", "-z", "--modified", "--others",
                                  "--exclude-standard").split("\0")):  # fmt: skip
        source = REPO_ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    for name in filter(None, _git("ls-files", "-z", "--deleted").split("\0")):
        (clone / name).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def newcomer_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`git clone` of this repository, as a newcomer makes it (plus uncommitted changes)."""
    reused = os.environ.get(REUSED_CLONE)
    if reused:
        clone = Path(reused)
        _git("fetch", "-q", str(REPO_ROOT), "HEAD", cwd=clone)
        _git("reset", "-q", "--hard", "FETCH_HEAD", cwd=clone)
        _git("clean", "-fdq", cwd=clone)  # not -x: its .venv and caches stay
    else:
        clone = tmp_path_factory.mktemp("newcomer") / "sovereign-hub"
        _git("clone", "-q", str(REPO_ROOT), str(clone))
    _overlay_working_tree(clone)
    return clone


@dataclass
class Terminals:
    """One shell per document, in the clone, with the newcomer's environment."""

    clone: Path
    env: dict[str, str]
    shells: dict[str, Shell] = field(default_factory=dict)
    transcripts: list[TextIO] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # document -> where it failed

    def shell_for(self, document: str) -> Shell:
        if document not in self.shells:
            TRANSCRIPTS.mkdir(parents=True, exist_ok=True)
            name = f"{document.replace('/', '__')}.log"
            # line-buffered: a command still running shows its progress in the transcript
            log = (TRANSCRIPTS / name).open("w", encoding="utf-8", buffering=1)
            self.transcripts.append(log)
            self.shells[document] = Shell(self.clone, dict(self.env), log)
        return self.shells[document]

    def close(self) -> None:
        for shell in self.shells.values():
            shell.close()
        for log in self.transcripts:
            log.close()


def _site_deployed() -> bool:
    """Whether the newcomer's `local` site has resources in its state (hubctl's census)."""
    from tests.conftest import user_site_census

    census = user_site_census()
    return bool(census and census.get("local state"))


@pytest.fixture(scope="session")
def terminals(newcomer_clone: Path) -> Iterator[Terminals]:
    """The terminals of the walkthroughs; afterwards, the site as the tier found it: the
    workspaces a failed walkthrough left open are closed, and a site the tier's own `make up`
    deployed (CI, where nothing was deployed before) is taken down again."""
    deployed_before = _site_deployed()
    objects_before = _site_objects()
    opened = Terminals(newcomer_clone, newcomer_environment(dict(os.environ), REPO_ROOT))
    try:
        yield opened
    finally:
        opened.close()
        with (TRANSCRIPTS / "cleanup.log").open("w", encoding="utf-8", buffering=1) as log:
            cleanup = Shell(newcomer_clone, newcomer_environment(dict(os.environ), REPO_ROOT), log)
            try:
                _leave_the_site_as_found(cleanup, newcomer_clone, deployed_before)
                if deployed_before:
                    _remove_objects_added_since(objects_before)
            finally:
                cleanup.close()


def _site_objects() -> list[tuple[str, ...]]:
    """The objects of the newcomer's `local` site (its project's containers but the state)."""
    from tests.conftest import site_objects, state_bucket, user_connection

    conn = user_connection("local")
    if conn is None:
        return []
    bucket = state_bucket("local")
    return site_objects(conn, frozenset({bucket} if bucket else ()))


def _remove_objects_added_since(before: list[tuple[str, ...]]) -> None:
    """What the walkthroughs put in a site they found deployed (a dataset's sample object and
    manifest version, their replicas), removed again; the session guard checks the rest."""
    from tests.conftest import user_connection

    known = {(container, name) for container, name, _ in before}
    conn = user_connection("local")
    for container, name, _ in _site_objects():
        if (container, name) not in known:
            conn.object_store.delete_object(name, container=container, ignore_missing=True)


def _leave_the_site_as_found(shell: Shell, clone: Path, deployed_before: bool) -> None:
    hubctl = ".venv/bin/hubctl"
    if not (clone / hubctl).exists():
        return  # the walkthrough never got as far as installing anything
    shell.run(EVALS, 120)
    for stack_file in sorted((clone / "stacks").glob("Pulumi.local-ws-*.yaml")):
        project = stack_file.name.removeprefix("Pulumi.local-ws-").removesuffix(".yaml")
        shell.run(f"{hubctl} workspace close --site local --project {project}", 1800)
    if not deployed_before and _site_deployed():
        outcome = shell.run(f"{hubctl} down --site local --break-stale-lock", 1800)
        assert outcome.status == 0, (
            f"could not take down the site the tier deployed:\n{outcome.output[-4000:]}"
        )
