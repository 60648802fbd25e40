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
from collections.abc import Sequence
from pathlib import Path

from hubctl.airlock.checks import extract, filetype, size, text
from hubctl.airlock.checks.inputs import BadInput, Candidate, Settings, candidates
from hubctl.airlock.model import FileEntry, Finding

__all__ = ["BadInput", "Candidate", "Settings", "candidates", "inspect", "sha256_of"]

CHUNK = 1 << 20


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
