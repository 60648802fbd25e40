"""The file's type by its content, through libmagic (python-magic over Debian's libmagic1),
never by its name: a `results.csv` that is a zip is an archive.

Allowed out of a workspace: CSV/TSV and plain text (checked further by hubctl.airlock.checks
.text), PNG and PDF (passed to the officers with a note that nothing was checked in them).
Everything else is blocked, by class: archives and compressed data (a zip bomb is only ever
identified, never opened), executables and libraries, databases, and any type the list does
not name (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hubctl.airlock.model import Finding, Severity

CHECK = "file-type"
# libmagic reads at most this much of a file by default (its bytes_max): the same here.
HEAD_BYTES = 1 << 20

TEXT = frozenset({"text/plain", "text/csv", "text/tab-separated-values"})
REVIEW_ONLY = {"image/png": "PNG image", "application/pdf": "PDF document"}
# Blocked types by class, for a message that says what the file is. Anything not in TEXT or
# REVIEW_ONLY is blocked whether or not it is named here.
CLASSES: dict[str, tuple[str, ...]] = {
    "an archive or compressed data": (
        "application/zip", "application/gzip", "application/x-gzip", "application/x-tar",
        "application/x-bzip2", "application/x-xz", "application/x-7z-compressed",
        "application/x-rar", "application/vnd.rar", "application/zstd", "application/x-lzma",
        "application/x-lzip", "application/x-compress", "application/java-archive",
        "application/x-cpio", "application/x-archive", "application/vnd.ms-cab-compressed",
        "application/x-iso9660-image",
    ),
    "an executable or library": (
        "application/x-executable", "application/x-sharedlib", "application/x-pie-executable",
        "application/x-mach-binary", "application/x-dosexec", "application/x-object",
        "application/x-elf", "application/vnd.microsoft.portable-executable",
        "text/x-shellscript", "text/x-python", "text/x-script.python", "text/x-perl",
        "application/javascript", "text/x-msdos-batch",
    ),
    "a database": (
        "application/vnd.sqlite3", "application/x-sqlite3", "application/x-dbf",
        "application/x-msaccess", "application/x-hdf5", "application/x-hdf",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Kind:
    mime: str
    description: str
    textual: bool
    findings: list[Finding] = field(default_factory=list)


@cache
def _magic() -> tuple[object, object]:
    import magic

    return magic.Magic(mime=True), magic.Magic()


def mime_of(head: bytes) -> tuple[str, str]:
    """(MIME type, libmagic's description) of a file's first bytes."""
    by_mime, by_text = _magic()
    return str(by_mime.from_buffer(head)), str(by_text.from_buffer(head))  # type: ignore[attr-defined]


def class_of(mime: str) -> str:
    for label, types in CLASSES.items():
        if mime in types:
            return label
    return "a type the airlock does not allow"


def identify(path: Path, name: str) -> Kind:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        mime, description = "text/plain", "empty"
    else:
        mime, description = mime_of(head)
    if mime in TEXT:
        return Kind(mime, description, textual=True)
    if mime in REVIEW_ONLY:
        note = Finding(
            check=CHECK,
            file=name,
            location="",
            severity=Severity.REVIEW,
            message=f"{REVIEW_ONLY[mime]}: not checked automatically; an officer must look at "
            "every page or pixel for small numbers and identifiers before approving",
        )
        return Kind(mime, description, textual=False, findings=[note])
    blocked = Finding(
        check=CHECK,
        file=name,
        location="",
        severity=Severity.BLOCKING,
        message=f"{mime} ({description[:80]}): {class_of(mime)}; allowed out of a workspace: "
        "CSV/TSV, plain text, PNG, PDF",
    )
    return Kind(mime, description, textual=False, findings=[blocked])
