"""Size limits: per file, per request, and the number of files, from their measured sizes, so
a file past its limit (a 2 GB table, a sparse file) is refused without being read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from hubctl.airlock.model import Finding, Severity

if TYPE_CHECKING:
    from hubctl.airlock.checks.inputs import Candidate, Settings

CHECK = "size"


def _mb(value: int) -> str:
    return f"{value / (1 << 20):.1f} MiB"


def file_finding(candidate: Candidate, settings: Settings) -> Finding | None:
    if candidate.size <= settings.file_bytes:
        return None
    return Finding(
        check=CHECK,
        file=candidate.name,
        location="",
        severity=Severity.BLOCKING,
        message=f"{_mb(candidate.size)} ({candidate.size} bytes) is over the per-file limit of "
        f"{_mb(settings.file_bytes)} (hub:airlockLimits fileMb); it was not read",
    )


def request_findings(files: Sequence[Candidate], settings: Settings) -> Iterator[Finding]:
    total = sum(c.size for c in files)
    if total > settings.request_bytes:
        yield Finding(
            check=CHECK,
            file="(request)",
            location="",
            severity=Severity.BLOCKING,
            message=f"the request holds {_mb(total)} ({total} bytes), over the per-request "
            f"limit of {_mb(settings.request_bytes)} (hub:airlockLimits requestMb)",
        )
    if len(files) > settings.max_files:
        yield Finding(
            check=CHECK,
            file="(request)",
            location="",
            severity=Severity.BLOCKING,
            message=f"the request holds {len(files)} files, over the limit of "
            f"{settings.max_files} (hub:airlockLimits files)",
        )
