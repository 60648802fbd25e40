"""Where the repository is, and a path as a person at its root would type it (how every error
names a file)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def relative(path: Path) -> str:
    """`path` as a person at the repository root would type it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
