"""What the checks are given: the site's thresholds, and the files as safe, unique candidates.

A file is refused (BadInput, exit 2) before any check reads it: a name the airlock does not
accept, a file that cannot be read or is not a regular file, two files of one name.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hubctl.airlock.names import RefusedName, check_file_name


@dataclass(frozen=True)
class Settings:
    """The site's thresholds (hub:smallCellThreshold, hub:airlockLimits)."""

    threshold: int = 10
    file_bytes: int = 256 << 20
    request_bytes: int = 1024 << 20
    max_files: int = 1000


class BadInput(ValueError):
    """A file the airlock refuses before judging it (exit 2): nothing is recorded."""


@dataclass(frozen=True)
class Candidate:
    path: Path
    name: str
    size: int


def candidates(paths: Sequence[Path]) -> list[Candidate]:
    """Each path as a regular file with a safe, unique name; BadInput otherwise."""
    found: list[Candidate] = []
    seen: dict[str, Path] = {}
    for path in paths:
        try:
            name = check_file_name(os.fsencode(path.name))
        except RefusedName as error:
            raise BadInput(str(error)) from None
        try:
            info = path.stat()
        except OSError as error:
            raise BadInput(f"{path}: cannot be read: {error.strerror}") from None
        if not stat.S_ISREG(info.st_mode):
            raise BadInput(f"{path}: not a regular file (a directory, device or pipe)")
        if name in seen:
            raise BadInput(f"{path} and {seen[name]} have the same name {name!r}")
        seen[name] = path
        found.append(Candidate(path, name, info.st_size))
    if not found:
        raise BadInput("no file given")
    return found
