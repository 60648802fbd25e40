"""What failed, in a few lines, for the end of the test command's output.

CI keeps only the tail of a run's output, and when a run fails the test command prints the
local clouds' logs after pytest's own summary: without these lines, the excerpt says what the
cloud logged and never which test failed. Reads the JUnit files the tiers wrote:

    python -m tests.junit_summary reports/junit-host.xml reports/junit.xml ...
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel

# One line per failure: enough to find it in the full log, short enough for an excerpt.
MESSAGE_WIDTH = 200


class Failure(BaseModel):
    """A test case that failed or errored, as its JUnit file records it."""

    report: str
    test: str
    kind: str
    message: str

    def line(self) -> str:
        return f"{self.kind.upper()} {self.test} ({self.report}): {self.message}"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:MESSAGE_WIDTH]
    return ""


def failures(report: Path) -> Iterator[Failure]:
    """Every failed or errored case of one JUnit file, in the file's order."""
    root = ElementTree.parse(report).getroot()
    for case in root.iter("testcase"):
        for kind in ("failure", "error"):
            outcome = case.find(kind)
            if outcome is None:
                continue
            test = f"{case.get('classname', '')}::{case.get('name', '')}"
            message = outcome.get("message") or outcome.text or ""
            yield Failure(report=report.name, test=test, kind=kind, message=_first_line(message))


def summary(reports: Sequence[Path]) -> list[str]:
    """The lines to print: the failures of every report that exists, and one line per report
    that is missing or unreadable (a tier that never wrote one failed before its tests)."""
    lines: list[str] = []
    for report in reports:
        try:
            lines.extend(failure.line() for failure in failures(report))
        except FileNotFoundError:
            lines.append(f"NO REPORT {report}: that tier wrote no JUnit file")
        except ElementTree.ParseError as error:
            lines.append(f"UNREADABLE REPORT {report}: {error}")
    return lines


def main(argv: Sequence[str]) -> int:
    lines = summary([Path(argument) for argument in argv])
    print(f"test: {len(lines)} failure(s) in the tiers' reports", file=sys.stderr)
    for line in lines:
        print(f"  {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
