"""Direct identifiers in a result: each is a blocking finding with its place.

- French NIR (numéro de sécurité sociale): sex (1, 2, 3, 4, 7 or 8), year, month, department
  (two digits, or 2A/2B for Corsica), commune, order, then the control key: 97 minus the
  13-digit number modulo 97, where 2A counts as 19 and 2B as 18. Only numbers whose key is
  right are reported, so that 15-digit counts or codes do not drown the real ones.
- E-mail addresses, anywhere.
- Dates of birth: full dates (day, month, year) in a column whose header says birth.
- Full postcodes (five digits) in a row whose other cells hold a rare value: a value that
  fewer rows than the small-cell threshold share in its column. Alone, a postcode is an area;
  with a rare diagnosis or age next to it, it points at a person. Columns with more distinct
  values than MAX_DISTINCT are treated as rare throughout (free text, identifiers).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from hubctl.airlock.checks.smallcells import words
from hubctl.airlock.model import Finding, Severity

NIR_CHECK = "nir"
EMAIL_CHECK = "e-mail"
BIRTH_CHECK = "date-of-birth"
POSTCODE_CHECK = "postcode-rare-value"
MAX_DISTINCT = 100_000

NIR = re.compile(
    r"(?<![0-9A-Za-z])([1234578])[ .]?([0-9]{2})[ .]?([0-9]{2})[ .]?([0-9]{2}|2[AaBb])"
    r"[ .]?([0-9]{3})[ .]?([0-9]{3})[ .]?([0-9]{2})(?![0-9A-Za-z])"
)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
FULL_DATE = re.compile(
    r"^\s*(?:\d{4}-\d{2}-\d{2}|\d{2}[/.-]\d{2}[/.-]\d{4}|\d{8}|\d{4}/\d{2}/\d{2})"
    r"(?:[ T]\d{2}:\d{2}(?::\d{2})?)?\s*$"
)
POSTCODE = re.compile(r"^\s*\d{5}\s*$")
BIRTH_WORDS = frozenset(["birth", "birthdate", "dob", "ddn", "naissance", "ne", "nee", "born"])
POSTCODE_WORDS = frozenset(["postcode", "postal", "zip", "cp", "codepostal", "zipcode"])
_CORSICA = {"2A": "19", "2B": "18"}


def nir_key(first13: str) -> int:
    """The control key of a NIR's first 13 characters (2A and 2B as 19 and 18)."""
    department = first13[5:7].upper()
    digits = first13[:5] + _CORSICA.get(department, department) + first13[7:]
    return 97 - int(digits) % 97


def nirs(text: str) -> Iterator[str]:
    """The NIRs in a text whose control key is right, as written."""
    for match in NIR.finditer(text):
        parts = match.groups()
        if int(parts[6]) == nir_key("".join(parts[:6])):
            yield match.group(0)


def _masked(value: str) -> str:
    """Enough of a value to find it again, not enough to spread it further in a log."""
    value = value.strip()
    return value[:3] + "…" + value[-2:] if len(value) > 6 else "…"


def in_text(text: str, file: str, location: str) -> Iterator[Finding]:
    for found in nirs(text):
        yield Finding(
            check=NIR_CHECK,
            file=file,
            location=location,
            severity=Severity.BLOCKING,
            message=f"a French NIR with a valid control key ({_masked(found)}): a direct "
            "identifier",
        )
    for found in EMAIL.findall(text):
        yield Finding(
            check=EMAIL_CHECK,
            file=file,
            location=location,
            severity=Severity.BLOCKING,
            message=f"an e-mail address ({_masked(found)}): a direct identifier",
        )


@dataclass(frozen=True)
class Columns:
    header: tuple[str, ...]
    birth: frozenset[int]
    postcode: frozenset[int]

    @classmethod
    def of(cls, header: Sequence[str]) -> Columns:
        named = [words(h) for h in header]
        return cls(
            header=tuple(header),
            birth=frozenset(i for i, w in enumerate(named) if w & BIRTH_WORDS),
            postcode=frozenset(i for i, w in enumerate(named) if w & POSTCODE_WORDS),
        )

    def where(self, row_number: int, index: int) -> str:
        return f"row {row_number}, column {index + 1} ({self.header[index]!r})"


def candidate(joined: str) -> bool:
    """Whether a row (its cells joined by a separator no pattern matches) may hold an e-mail
    address or a NIR: one pass of each pattern, in C, rules out most rows."""
    return "@" in joined or NIR.search(joined) is not None


def births(row: Sequence[str], columns: Columns, file: str, row_number: int) -> Iterator[Finding]:
    for index in columns.birth:
        if FULL_DATE.match(row[index]):
            yield Finding(
                check=BIRTH_CHECK,
                file=file,
                location=columns.where(row_number, index),
                severity=Severity.BLOCKING,
                message="a full date of birth: a quasi-identifier; give an age band or a year",
            )


def in_row(row: Sequence[str], columns: Columns, file: str, row_number: int) -> Iterator[Finding]:
    yield from births(row, columns, file, row_number)
    for index, cell in enumerate(row):
        if "@" in cell or NIR.search(cell) is not None:
            yield from in_text(cell, file, columns.where(row_number, index))


@dataclass
class RareValues:
    """Full postcodes next to rare values, judged once every row has been counted."""

    columns: Columns
    threshold: int
    counts: dict[int, Counter[str]] = field(default_factory=dict)
    crowded: set[int] = field(default_factory=set)
    candidates: list[tuple[int, int, tuple[tuple[int, str], ...]]] = field(default_factory=list)

    def observe(self, row: Sequence[str], row_number: int) -> None:
        if not self.columns.postcode:
            return
        others: list[tuple[int, str]] = []
        for index, cell in enumerate(row):
            value = cell.strip()
            if index in self.columns.postcode or not value or _is_number(value):
                continue
            counter = self.counts.setdefault(index, Counter())
            if index not in self.crowded:
                counter[value] += 1
                if len(counter) > MAX_DISTINCT:
                    self.crowded.add(index)
                    counter.clear()
            others.append((index, value))
        full = [i for i in self.columns.postcode if POSTCODE.match(row[i])]
        if full and others:
            self.candidates.append((row_number, full[0], tuple(others)))

    def findings(self, file: str) -> Iterator[Finding]:
        for row_number, postcode, others in self.candidates:
            rare = [
                (index, value)
                for index, value in others
                if index in self.crowded or self.counts[index][value] < self.threshold
            ]
            if not rare:
                continue
            index, value = rare[0]
            shared = "almost no" if index in self.crowded else str(self.counts[index][value])
            yield Finding(
                check=POSTCODE_CHECK,
                file=file,
                location=f"{self.columns.where(row_number, postcode)} and column {index + 1} "
                f"({self.columns.header[index]!r})",
                severity=Severity.BLOCKING,
                message=f"a full postcode next to a value that {shared} row(s) share, below the "
                f"threshold {self.threshold}: give the department (two digits) or merge rare "
                "values",
            )


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True
