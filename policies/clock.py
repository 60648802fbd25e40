"""The pack's one clock: the day (UTC) that exemptions, allowances and workspace ends are judged
on when the config names no `asOf`. Every reader calls `clock.today()` through this module, so a
run judges every date against the same day, and a test fixes that day in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime


def today() -> date:
    """The current day, UTC."""
    return datetime.now(UTC).date()
