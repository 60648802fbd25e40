"""hubctl's one git reader: the commit of a checkout as the evidence page and drill reports
record it (full hash and uncommitted changes for the page, git's short hash for a drill)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT
from hubctl.drill import assemble
from hubctl.evidence.collect import commit_of
from hubctl.gitcommit import head_of


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("a\n")
    git(tmp_path, "add", "a.txt")
    git(tmp_path, "commit", "-q", "-m", "one")
    return tmp_path


def test_a_clean_checkout(checkout: Path) -> None:
    head = head_of(checkout, dirty=True)
    assert head is not None
    assert head.commit == git(checkout, "rev-parse", "HEAD")
    assert head.short == git(checkout, "rev-parse", "--short", "HEAD")
    assert head.dirty is False
    assert commit_of(checkout) == head.commit


def test_uncommitted_changes_are_seen_only_when_asked(checkout: Path) -> None:
    (checkout / "a.txt").write_text("changed\n")
    head = head_of(checkout)
    assert head is not None and head.dirty is None
    assert head_of(checkout, dirty=True) == type(head)(head.commit, head.short, True)
    assert commit_of(checkout) == f"{head.commit} (with uncommitted changes)"


def test_a_folder_that_is_no_checkout(tmp_path: Path) -> None:
    (tmp_path / "ceiling").mkdir()
    # GIT_CEILING_DIRECTORIES keeps git from finding a checkout above the temporary folder.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
        assert head_of(tmp_path / "ceiling", dirty=True) is None
        assert commit_of(tmp_path / "ceiling") == "unknown (not a git checkout)"


def test_without_git_the_commit_is_unknown(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(checkout))  # no git there
    assert head_of(checkout, dirty=True) is None
    assert commit_of(checkout) == "unknown (not a git checkout)"


def test_a_drill_records_the_short_hash_of_the_repository() -> None:
    head = head_of(REPO_ROOT)
    assert assemble._commit() == (head.short if head else None)
