"""Small cells: a count below the site's threshold (hub:smallCellThreshold, 10 by default)
can single out patients. Each such cell is a blocking finding with its row and column.

A count is a whole number in a column whose header does not name something that is not a
count (a year, an age, a code, a rank...). Zero is not flagged: an empty category discloses
no one by itself. Counts from 1 to threshold - 1 are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

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


def in_row(
    row: Sequence[str],
    header: Sequence[str],
    counts: Sequence[int],
    threshold: int,
    file: str,
    row_number: int,
) -> Iterator[Finding]:
    for index in counts:
        cell = row[index].strip().removeprefix("+")
        # ASCII digits only (isdigit() alone admits other scripts' digits), at most nine.
        if not (cell.isascii() and cell.isdigit()) or len(cell) > 9:
            continue
        value = int(cell)
        if 0 < value < threshold:
            yield Finding(
                check=CHECK,
                file=file,
                location=f"row {row_number}, column {index + 1} ({header[index]!r})",
                severity=Severity.BLOCKING,
                message=f"count {value} is below the small-cell threshold {threshold}: "
                "suppress or aggregate it",
            )
