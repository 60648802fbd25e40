"""The errors the local cloud's OpenStack services logged, one line per distinct error.

When a deployment fails, the provider only says "check the Block Storage API logs"; CI keeps a
short excerpt of a run's output. This turns a dozen service logs into a few lines that say what
the cloud refused and why (a traceback becomes its last line, repeated errors a count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# oslo.log's default format: "2026-11-29 03:15:45.123 4242 ERROR cinder.x [req-... ...] text".
# A multi-line message (a traceback) is logged line by line under the same prefix.
OSLO_LINE = re.compile(
    r"^(?P<prefix>(?P<stamp>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d+ \d+ (?P<level>ERROR|CRITICAL) "
    r"(?P<logger>\S+) (?:\[[^\]]*\] )?)(?P<message>.*)$"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
VARIABLE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|req-\S+"
    r"|\d+"
)


@dataclass
class LoggedError:
    service: str
    first_seen: str
    logger: str
    message: str
    count: int = 1

    def line(self, width: int) -> str:
        times = f" (x{self.count})" if self.count > 1 else ""
        text = f"{self.service} {self.first_seen[11:]}{times} {self.logger}: {self.message}"
        return text if len(text) <= width else text[: width - 3] + "..."


def _records(text: str) -> list[tuple[str, str, list[str]]]:
    """(time stamp, logger, message lines) of every ERROR/CRITICAL record of one log."""
    records: list[tuple[str, str, list[str]]] = []
    prefix = None
    for raw in text.splitlines():
        match = OSLO_LINE.match(ANSI.sub("", raw))
        if match is None:
            prefix = None
            continue
        if match["prefix"] == prefix:
            records[-1][2].append(match["message"])
        else:
            prefix = match["prefix"]
            records.append((match["stamp"], match["logger"], [match["message"]]))
    return records


def _summary(lines: list[str]) -> str:
    """The first line of a record and, for a traceback, the exception it ended with ("" for a
    bare traceback whose exception line was logged as its own record)."""
    first = lines[0].strip()
    ending = [line.strip() for line in lines[1:] if line.strip() and not line[:1].isspace()]
    last = ending[-1] if ending else ""
    if first.startswith("Traceback"):
        return last
    return f"{first} | {last}" if last and last != first else first


def errors(logs: list[Path], since: str = "") -> list[LoggedError]:
    """Distinct ERROR/CRITICAL records of the given logs at or after `since` (same format as the
    logs' own time stamps, local time), in the order they first appeared."""
    found: dict[tuple[str, str, str], LoggedError] = {}
    for log in logs:
        try:
            text = log.read_text(errors="replace")
        except OSError:
            continue
        for stamp, logger, lines in _records(text):
            if stamp < since:
                continue
            message = _summary(lines)
            if not message:
                continue
            key = (log.stem, logger, VARIABLE.sub("<>", message))
            if key in found:
                found[key].count += 1
            else:
                found[key] = LoggedError(log.stem, stamp, logger, message)
    return sorted(found.values(), key=lambda e: e.first_seen)
