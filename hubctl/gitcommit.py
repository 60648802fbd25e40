"""The commit a checkout is at: the one git reader of hubctl (the evidence page, drill reports).

`head_of` asks git once for the full and the abbreviated hash (`git rev-parse HEAD --short
HEAD`) and, when asked, whether the work tree has uncommitted changes (`git status
--porcelain`). A folder that is not a checkout, a missing git or a git that does not answer
within `TIMEOUT` seconds gives None: the callers say "unknown" their own way.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 10.0


@dataclass(frozen=True)
class Head:
    commit: str  # the full hash
    short: str  # git's abbreviation (at least 7 characters, longer when needed to be unique)
    dirty: bool | None  # uncommitted changes; None when not asked


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=TIMEOUT
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def head_of(root: Path, *, dirty: bool = False) -> Head | None:
    """The commit checked out at `root`, with whether it has uncommitted changes if `dirty`."""
    hashes = _git(root, "rev-parse", "HEAD", "--short", "HEAD")
    if not hashes or len(hashes.split()) != 2:
        return None
    commit, short = hashes.split()
    if not dirty:
        return Head(commit, short, None)
    status = _git(root, "status", "--porcelain")
    return Head(commit, short, bool(status))
