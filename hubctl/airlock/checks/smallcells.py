"""Small cells: a count below the site's threshold (hub:smallCellThreshold, 10 by default)
can single out patients. Each such cell is a blocking finding with its row and column.

A count is a whole number in a column whose header does not name something that is not a
count (a year, an age, a code, a rank...). Zero is not flagged: an empty category discloses
no one by itself. Counts from 1 to threshold - 1 are.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Sequence

from hubctl.airlock.model import Finding, Severity

CHECK = "small-cell"
# Header words of columns whose whole numbers are not counts (English and French).
NOT_COUNTS = frozenset(
    {
        "year", "years", "annee", "an", "month", "mois", "day", "jour", "date", "week", "semaine",
        "quarter", "trimestre", "age", "ages", "code", "codes", "id", "ident", "identifier",
        "rank", "rang", "index", "idx", "group", "groupe", "class", "classe", "category",
        "categorie", "level", "niveau", "version", "postcode", "postal", "zip", "cp", "dept",
        "departement", "region", "commune", "stage", "grade", "sex", "sexe", "gender", "decile",
        "quintile", "quartile", "percentile", "score",
    }
)  # fmt: skip
_WORDS = re.compile(r"[a-z0-9]+")


def words(header: str) -> set[str]:
    folded = header.lower().translate(str.maketrans("éèêëàâîïôöûüç", "eeeeaaiioouuc"))
    return set(_WORDS.findall(folded))


def count_columns(header: Sequence[str]) -> list[int]:
    """The indexes of the columns whose whole numbers are counts."""
    return [index for index, name in enumerate(header) if not (words(name) & NOT_COUNTS)]


class SmallCells:
    """The small-cell check of one table: its count columns, and a cheap test that rules out
    a row none of whose count cells is short enough to hold a number below the threshold."""

    def __init__(self, header: Sequence[str], threshold: int) -> None:
        self.header = list(header)
        self.threshold = threshold
        self.counts = count_columns(header)
        # The digits of threshold - 1: a plain cell any longer holds no small count (blanks,
        # signs and zeros around the digits are caught by _DRESSED instead).
        self.longest = len(str(max(threshold - 1, 0)))
        pick = operator.itemgetter(*self.counts) if self.counts else None
        self._cells: Callable[[Sequence[str]], Sequence[str]] = (
            (lambda row: ()) if pick is None
            else (lambda row: (pick(row),)) if len(self.counts) == 1
            else pick
        )  # fmt: skip

    def candidate(self, row: Sequence[str]) -> bool:
        """False only for rows whose count cells are all plain (no blank, sign or leading
        zero around the digits) and longer than any count below the threshold can be: so
        padding a 7 as `   7` or `007` does not slip it past."""
        cells = self._cells(row)
        if not cells:
            return False
        if min(map(len, cells)) <= self.longest:
            return True
        joined = "\x1f".join(cells)
        # Substring tests, in C: a blank, a sign, or a cell that starts with a zero.
        return (
            " " in joined
            or "\t" in joined
            or "+" in joined
            or joined.startswith("0")
            or "\x1f0" in joined
        )

    def in_row(self, row: Sequence[str], file: str, row_number: int) -> Iterator[Finding]:
        for index in self.counts:
            # Blanks, a sign, zeros: exactly what candidate() looks for, no more.
            cell = row[index].strip(" \t").removeprefix("+")
            # ASCII digits only (isdigit() alone admits other scripts' digits), at most nine.
            if not (cell.isascii() and cell.isdigit()) or len(cell) > 9:
                continue
            value = int(cell)
            if 0 < value < self.threshold:
                yield Finding(
                    check=CHECK,
                    file=file,
                    location=f"row {row_number}, column {index + 1} ({self.header[index]!r})",
                    severity=Severity.BLOCKING,
                    message=f"count {value} is below the small-cell threshold {self.threshold}: "
                    "suppress or aggregate it",
                )
