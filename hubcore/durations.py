"""Durations as people write them in stack files: recovery targets and drill freshness.

`hub:rtoTarget: 2h`, `hub:rpoTarget: 15m`, `hub:drillMaxAge: 90d`: a number and a unit (s, m,
h, d, w), or several (`1h30m`), or ISO 8601 (`PT2H`, `P90D`). One reader for the program's
config, the policy pack and hubctl, so a value accepted by one is accepted by all.
"""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SHORT = re.compile(r"(?:(\d+)\s*([smhdw]))", re.IGNORECASE)
_ISO = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?",
    re.IGNORECASE,
)
ALLOWED = "a number and a unit s, m, h, d or w (15m, 2h, 1h30m, 90d) or ISO 8601 (PT2H, P90D)"


class DurationError(ValueError):
    """Not a duration this reader accepts; the message says what is allowed."""


def parse_duration(text: object) -> timedelta:
    """A positive duration from `text`; DurationError names the value and what is allowed."""
    if isinstance(text, timedelta):
        value = text
    elif isinstance(text, bool) or not isinstance(text, str | int):
        raise DurationError(f"{text!r} is not a duration: expected {ALLOWED}")
    elif isinstance(text, int):
        raise DurationError(f"{text!r} has no unit: expected {ALLOWED}")
    else:
        value = _parse_text(text.strip())
    if value <= timedelta(0):
        raise DurationError(f"{text!r} is not a positive duration: expected {ALLOWED}")
    return value


def _parse_text(text: str) -> timedelta:
    iso = _ISO.fullmatch(text)
    if iso and text.upper() not in ("P", "PT") and any(iso.groupdict().values()):
        parts = {k: int(v) for k, v in iso.groupdict().items() if v}
        return timedelta(seconds=sum(UNITS[k] * n for k, n in parts.items()))
    pieces = _SHORT.findall(text)
    if not pieces or "".join(n + u for n, u in pieces) != text.replace(" ", ""):
        raise DurationError(f"{text!r} is not a duration: expected {ALLOWED}")
    units = [u.lower() for _, u in pieces]
    if len(set(units)) != len(units):
        raise DurationError(f"{text!r} gives a unit twice: expected {ALLOWED}")
    return timedelta(seconds=sum(UNITS[u.lower()] * int(n) for n, u in pieces))
