"""A configuration value and where it was written, and the one error a person must fix."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SECRET_PLACEHOLDER = "[secret]"
COMMAND_LINE = "command line (-c)"


@dataclass(frozen=True)
class Location:
    """Where a configuration value was written: a file and line, or the command line."""

    file: str
    line: int | None = None
    # A value given with -c has no line of its own: `override` is the option as typed
    # (`KEY=VALUE`) and `home` the stack-file line where the key belongs, so that reports whose
    # consumers need a file (SARIF, Code Quality) can point there.
    override: str | None = None
    home: Location | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class ConfigValue:
    value: str
    secret: bool
    location: Location


class ConfigError(Exception):
    """A stack configuration a person must fix; the message names file, key, value and remedy."""

    def __init__(
        self, message: str, *, key: str | None = None, location: Location | None = None
    ) -> None:
        super().__init__(message)
        self.key = key
        self.location = location


def decode_config_value(value: str) -> Any:
    """Structured values arrive as JSON text (as Pulumi passes them); scalars stay text."""
    stripped = value.strip()
    if stripped[:1] in "[{":
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return value
    return value
