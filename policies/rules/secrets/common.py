"""What the secrets rules share: every leaf of an input tree. Registers no rule."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def walk(value: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, key name, value) for every leaf of an input tree."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(item, Mapping | list):
                yield from walk(item, child)
            else:
                yield child, str(key), item
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")
