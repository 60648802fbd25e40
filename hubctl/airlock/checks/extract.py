"""Rows of the workspace's extract in a result: a release that is the extract itself, or part
of it, is patient-level data leaving the workspace. Every data row of a result table that is
exactly a row of the extract (cells trimmed, in order) is a blocking finding.

The extract's rows are kept only as hashes of their normalised text (Python's own string hash:
the index lives in this process only, and never leaves it); rows of fewer than two non-empty
cells say too little to match on and are not indexed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hubctl.airlock.model import Finding, Severity

CHECK = "extract-rows"
SEPARATOR = "\x1f"


def row_key(row: Sequence[str], joined: str | None = None) -> int | None:
    """The row's key: its cells trimmed, joined; None for rows of fewer than two values."""
    text = SEPARATOR.join(row) if joined is None else joined
    if " " in text or "\t" in text:  # only then may a cell need trimming
        row = [cell.strip() for cell in row]
        text = SEPARATOR.join(row)
    if len(row) - row.count("") < 2:
        return None
    return hash(text)


@dataclass
class ExtractIndex:
    keys: set[int] = field(default_factory=set)
    files: list[str] = field(default_factory=list)

    def add_table(self, name: str, text: str) -> None:
        """Index one extract file's rows (its header too: harmless, it never counts alone)."""
        first = text.split("\n", 1)[0]
        delimiter = "\t" if "\t" in first else (";" if first.count(";") > first.count(",") else ",")
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            key = row_key(row)
            if key is not None:
                self.keys.add(key)
        self.files.append(name)

    @classmethod
    def of(cls, files: Iterable[tuple[str, bytes]]) -> ExtractIndex:
        index = cls()
        for name, data in files:
            try:
                index.add_table(name, data.decode("utf-8"))
            except (UnicodeDecodeError, csv.Error):
                continue  # not text: no row of it can appear in a text result
        return index


@dataclass
class Matches:
    index: ExtractIndex | None
    count: int = 0

    def observe(self, row: Sequence[str], joined: str | None = None) -> bool:
        if self.index is None or not self.index.keys:
            return False
        key = row_key(row, joined)
        if key is not None and key in self.index.keys:
            self.count += 1
            return True
        return False

    def summary(self, file: str, rows: int) -> Finding | None:
        if not self.count:
            return None
        return Finding(
            check=CHECK,
            file=file,
            location="",
            severity=Severity.BLOCKING,
            message=f"{self.count} of its {rows} data rows are rows of the workspace's extract: "
            "this is patient-level data, not a result",
        )


def row_finding(file: str, location: str) -> Finding:
    return Finding(
        check=CHECK,
        file=file,
        location=location,
        severity=Severity.BLOCKING,
        message="this row is a row of the workspace's extract",
    )
