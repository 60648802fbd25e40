"""A private copy of the checkout's stacks/ for the tests that write stack files (a workspace's,
as `hubctl workspace open` does): hubctl and the engine read and write it through
$HUB_STACKS_DIR (hubctl.engine_project), so the checkout's stacks/ is never written."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hubcore.stackfiles import STACKS_DIR, STACKS_DIR_VARIABLE


def copy_stacks(folder: Path) -> Path:
    """`folder`/stacks: the checkout's stack files as they are now (opened workspaces included,
    so a range allocated in the copy overlaps none of the user's), without lock files."""
    copy = folder / "stacks"
    shutil.copytree(STACKS_DIR, copy, ignore=shutil.ignore_patterns(".*.lock", "*.tmp"))
    return copy


@contextmanager
def private_stacks(folder: Path) -> Iterator[Path]:
    """$HUB_STACKS_DIR set to a new copy under `folder` while the block runs (for fixtures
    wider than a test, which cannot use the `monkeypatch` fixture)."""
    copy = copy_stacks(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STACKS_DIR_VARIABLE, str(copy))
        yield copy
