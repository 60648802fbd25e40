"""The disclosure checks a request passes before any officer sees it; one module per check.

    size         limits per file, per request, and on the number of files (measured unread)
    filetype     the type by content (libmagic), against the allow-list
    text         UTF-8 text read in bounded chunks; CSV/TSV parsed strictly (malformed: blocked)
    smallcells   counts below the site's threshold, with their row and column
    identifiers  NIR (with its control key), e-mail addresses, dates of birth, full postcodes
                 next to rare values
    extract      rows that are rows of the workspace's extract

`inspect` reads each file once for its hash and type and once more per text pass; a file a
check cannot read safely (over its limit, not a regular file) is never opened.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hubctl.airlock.checks import extract, filetype, size, text
from hubctl.airlock.model import FileEntry, Finding
from hubctl.airlock.names import RefusedName, check_file_name

CHUNK = 1 << 20


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


def sha256_of(path: Path, limit: int) -> tuple[str, int]:
    """The file's SHA-256 and size, reading at most `limit` + 1 bytes (a file that grows past
    its measured size while being read is caught, not read forever)."""
    digest = hashlib.sha256()
    read = 0
    with path.open("rb") as handle:
        while chunk := handle.read(min(CHUNK, limit + 1 - read)):
            digest.update(chunk)
            read += len(chunk)
            if read > limit:
                raise BadInput(f"{path}: grew past {limit} bytes while it was read")
    return digest.hexdigest(), read


def inspect(
    paths: Sequence[Path],
    settings: Settings,
    extract_rows: extract.ExtractIndex | None = None,
) -> tuple[list[FileEntry], list[Finding]]:
    """Every check on every file: the files pinned by hash, and every finding."""
    files = candidates(paths)
    findings: list[Finding] = list(size.request_findings(files, settings))
    entries: list[FileEntry] = []
    for candidate in files:
        over = size.file_finding(candidate, settings)
        if over is not None:  # never read: its hash is of nothing the airlock will keep
            findings.append(over)
            entries.append(_unread(candidate))
            continue
        digest, length = sha256_of(candidate.path, settings.file_bytes)
        kind = filetype.identify(candidate.path, candidate.name)
        findings.extend(kind.findings)
        if kind.textual:
            findings.extend(
                text.check(candidate.path, candidate.name, kind, settings, extract_rows)
            )
        entries.append(
            FileEntry(
                name=candidate.name,
                size=length,
                sha256=digest,
                mime=kind.mime,
                object=candidate.name,
            )
        )
    return entries, findings


def _unread(candidate: Candidate) -> FileEntry:
    return FileEntry(
        name=candidate.name, size=candidate.size, sha256="0" * 64, mime="unread", object=""
    )


def capped(found: Iterable[Finding], limit: int, check: str, file: str) -> list[Finding]:
    """At most `limit` findings of one check in one file, then one that counts the rest."""
    kept: list[Finding] = []
    extra = 0
    for finding in found:
        if len(kept) < limit:
            kept.append(finding)
        else:
            extra += 1
    if extra:
        last = kept[-1]
        kept.append(
            Finding(
                check=check,
                file=file,
                location="",
                severity=last.severity,
                message=f"and {extra} more finding(s) of this check in this file",
            )
        )
    return kept
