"""Text files: read as strict UTF-8 in bounded chunks; tables (CSV/TSV) parsed strictly.

A table is a file named .csv or .tsv, a file libmagic calls CSV, or a text file whose first
lines all split into the same number (two or more) of tab-separated fields. Its delimiter is
the tab for TSV, else `,` or `;` (whichever the header holds more of: French spreadsheets
write `;`). A row whose field count differs from the header's, or a quote that never closes,
makes the file malformed: blocked, because what a broken table holds cannot be judged.

Tables get every per-cell check (small cells, identifiers, extract rows); other text gets the
identifier patterns line by line.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from hubctl.airlock.checks import extract as extract_check
from hubctl.airlock.checks import identifiers, smallcells
from hubctl.airlock.model import Finding, Severity

if TYPE_CHECKING:
    from hubctl.airlock.checks.filetype import Kind
    from hubctl.airlock.checks.inputs import Settings

CHECK = "text"
# Joins a row's cells for the row-wide tests: no pattern of the checks matches it.
SEPARATOR = "\x1f"
MALFORMED = "malformed-table"
CHUNK = 1 << 20
# Per check and file: enough to show a reviewer the pattern; the rest is counted.
FINDINGS_PER_CHECK = 20
csv.field_size_limit(1 << 24)


class NotUtf8(ValueError):
    def __init__(self, offset: int) -> None:
        super().__init__(f"byte {offset}")
        self.offset = offset


def first_bad_byte(path: Path) -> int:
    """The offset of the first byte that is not UTF-8 (the file is known to hold one)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            # The decoder may hold up to 3 bytes of a sequence begun in the previous chunk;
            # an error's position counts them first.
            held = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                return offset - held + error.start
            if not chunk:
                return offset
            offset += len(chunk)


def utf8_lines(path: Path) -> Iterator[str]:
    """The file's lines, newlines kept as written, decoded strictly by Python's own (C) text
    layer; NotUtf8 with the offset of the first bad byte."""
    try:
        with path.open(encoding="utf-8", errors="strict", newline="") as handle:
            yield from handle
    except UnicodeDecodeError:
        raise NotUtf8(first_bad_byte(path)) from None


def delimiter_of(path: Path, name: str, kind: Kind) -> str | None:
    """The table's delimiter, or None for text that is not a table."""
    lower = name.lower()
    try:
        first = []
        for line in utf8_lines(path):
            first.append(line)
            if len(first) == 5:
                break
    except NotUtf8:
        return None
    if not first:
        return None
    header = first[0]
    if lower.endswith(".tsv") or kind.mime == "text/tab-separated-values":
        return "\t"
    if lower.endswith(".csv") or kind.mime == "text/csv":
        return ";" if header.count(";") > header.count(",") else ","
    counts = {line.rstrip("\r\n").count("\t") for line in first if line.strip()}
    return "\t" if len(counts) == 1 and min(counts) >= 1 else None


def check(
    path: Path,
    name: str,
    kind: Kind,
    settings: Settings,
    extract_rows: extract_check.ExtractIndex | None,
) -> list[Finding]:
    delimiter = delimiter_of(path, name, kind)
    try:
        if delimiter is None:
            return _plain(path, name)
        return _table(path, name, delimiter, settings, extract_rows)
    except NotUtf8 as error:
        return [
            Finding(
                check=CHECK,
                file=name,
                location=f"byte {error.offset}",
                severity=Severity.BLOCKING,
                message="not UTF-8 text: reviewers and the checks could not read what it says; "
                "export it as UTF-8",
            )
        ]


def _plain(path: Path, name: str) -> list[Finding]:
    found: dict[str, list[Finding]] = {}
    for number, line in enumerate(utf8_lines(path), start=1):
        for finding in identifiers.in_text(line, name, f"line {number}"):
            found.setdefault(finding.check, []).append(finding)
    return _capped(found, name)


def _capped(found: dict[str, list[Finding]], name: str) -> list[Finding]:
    result: list[Finding] = []
    for check_id, items in found.items():
        result.extend(capped(items, FINDINGS_PER_CHECK, check_id, name))
    return result


def _table(
    path: Path,
    name: str,
    delimiter: str,
    settings: Settings,
    extract_rows: extract_check.ExtractIndex | None,
) -> list[Finding]:
    found: dict[str, list[Finding]] = {}

    def add(finding: Finding) -> None:
        found.setdefault(finding.check, []).append(finding)

    reader = csv.reader(utf8_lines(path), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        return [_malformed(name, 1, str(error))]
    if header is None:
        return []
    columns = identifiers.Columns.of(header)
    small = smallcells.SmallCells(header, settings.threshold)
    table = identifiers.RareValues(columns, settings.threshold)
    matches = extract_check.Matches(extract_rows)
    row_number = 1
    try:
        for row in reader:
            row_number += 1
            if len(row) != len(header):
                if not any(cell.strip() for cell in row):
                    continue  # a blank line
                return [
                    _malformed(
                        name,
                        row_number,
                        f"{len(row)} fields where the header has {len(header)}",
                    )
                ]
            # Each check first rules out, in C, the rows it has nothing to say about (most).
            joined = SEPARATOR.join(row)
            if small.candidate(row):
                for finding in small.in_row(row, name, row_number):
                    add(finding)
            if identifiers.candidate(joined):
                for finding in identifiers.in_row(row, columns, name, row_number):
                    add(finding)
            elif columns.birth:
                for finding in identifiers.births(row, columns, name, row_number):
                    add(finding)
            table.observe(row, row_number)
            if matches.observe(row, joined):
                add(extract_check.row_finding(name, f"row {row_number}"))
    except csv.Error as error:
        return [_malformed(name, row_number + 1, str(error))]
    for finding in table.findings(name):
        add(finding)
    result = _capped(found, name)
    summary = matches.summary(name, row_number - 1)
    return result if summary is None else [*result, summary]


def _malformed(name: str, row: int, why: str) -> Finding:
    return Finding(
        check=MALFORMED,
        file=name,
        location=f"row {row}",
        severity=Severity.BLOCKING,
        message=f"not a well-formed table ({why}): what it holds cannot be judged; fix the file",
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
