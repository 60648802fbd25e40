"""How drift compares a property: normalisers that make the state's value and the cloud's
comparable (unset in any spelling, lists in any order, header names in any case), and
`Compared`, one property of a live type compared (hubctl.audit.mapping.LIVE_TYPES names them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hubcore.metadata import WRITTEN_BY_HUBCTL

Normaliser = Callable[[Any], Any]


def plain(value: Any) -> Any:
    """Unset in any spelling the provider records it (None, "", 0, [], {}) is one value."""
    return None if value in (None, "", 0, [], {}) else value


def text_set(value: Any) -> Any:
    """A list in any order; a single string given where the provider takes a list is that list."""
    if isinstance(value, str) and value:
        value = [value]
    if isinstance(value, list | tuple | set):
        return sorted({str(v) for v in value}) or None
    return plain(value)


def order_meta(value: Any) -> Any:
    """An order's meta without what the bridge adds (`__defaults`) or leaves unset."""
    if not isinstance(value, Mapping):
        return plain(value)
    kept = {
        str(k): str(v)
        for k, v in value.items()
        if not str(k).startswith("__") and v not in (None, "", 0, [], {})
    }
    return kept or None


def lower_keys(value: Any) -> Any:
    """Swift title-cases metadata header names; the provider keeps the program's spelling."""
    if not isinstance(value, Mapping):
        return plain(value)
    return {str(k).lower(): str(v) for k, v in value.items()} or None


def container_metadata(value: Any) -> Any:
    """A container's metadata as the program declares it: what hubctl itself writes after the
    deploy (a replica's last sync) is no one's change by hand."""
    lowered = lower_keys(value)
    if not isinstance(lowered, Mapping):
        return lowered
    return {k: v for k, v in lowered.items() if k not in WRITTEN_BY_HUBCTL} or None


def string_map(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return plain(value)
    return {str(k): str(v) for k, v in value.items()} or None


def truth(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "t", "yes")
    return bool(value)


def items(*keys: str) -> Normaliser:
    """A list of objects compared by some of their fields, in any order."""

    def normalise(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return plain(value)
        found = sorted(
            tuple(str(plain(entry.get(k)) if plain(entry.get(k)) is not None else "") for k in keys)
            for entry in value
            if isinstance(entry, Mapping)
        )
        return found or None

    return normalise


def acl(value: Any) -> Any:
    """Barbican's ACL as the provider records it: who may read, and whether the project may."""
    if not isinstance(value, Mapping):
        return None
    read = value.get("read")
    if not isinstance(read, Mapping):
        return None
    users = sorted(str(u) for u in read.get("users") or [])
    return {"projectAccess": truth(read.get("projectAccess", True)), "users": users}


@dataclass(frozen=True)
class Compared:
    """A property drift compares: its name in the live view, where the state may hold the value
    the cloud reports (`allTags` when the program set only some tags), and how to compare."""

    prop: str
    normalise: Normaliser = plain
    state_props: tuple[str, ...] = ()

    def state_value(self, inputs: Mapping[str, Any]) -> Any:
        for name in (*self.state_props, self.prop):
            if inputs.get(name) not in (None, [], {}):
                return inputs.get(name)
        return inputs.get(self.prop)


def c(prop: str, normalise: Normaliser = plain, *state_props: str) -> Compared:
    return Compared(prop, normalise, state_props)
