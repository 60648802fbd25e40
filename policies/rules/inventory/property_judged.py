"""inventory-property-judged: Every set input of an understood type is judged, inert, or at its
default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.model import (
    SECRET_MASK,
    UNKNOWN_MASK,
    Context,
    Outcome,
    Reading,
    ResourceView,
    failed,
    holds_mask,
    not_applicable,
    passed,
)
from policies.properties import (
    BRIDGE_DEFAULTS,
    ENGINE_INPUTS,
    Inert,
    Judged,
    PassThrough,
    Refused,
    Verdict,
    classified,
    schema_of,
)
from policies.registry import Severity, rule
from policies.rules.common import at_default, describe
from policies.rules.common import shown as common_shown
from policies.schema import versions as schema_versions

# --- every input property: judged, inert, or refused -----------------------------------------


def _masked_subtree(value: Any) -> str | None:
    if holds_mask(value, UNKNOWN_MASK):
        return UNKNOWN_MASK
    if holds_mask(value, SECRET_MASK):
        return SECRET_MASK
    return None


def _needs_reading(table: Mapping[str, Verdict], path: str) -> bool:
    """Whether some leaf at or under `path` must be read (refused, or a pass-through map)."""
    return any(
        isinstance(verdict, Refused | PassThrough)
        for leaf, verdict in table.items()
        if leaf == path
        or leaf.startswith(path + ".")
        or leaf.startswith(path + "[]")
        or leaf.startswith(path + "{}")
    )


class _Walk:
    """One resource's declared inputs against its schema and classification."""

    def __init__(
        self, resource: ResourceView, context: Context, table: Mapping[str, Verdict]
    ) -> None:
        self.resource = resource
        self.context = context
        self.table = table
        self.findings: list[Outcome] = []

    def fail(self, message: str, top: str) -> None:
        self.findings.append(
            failed(
                f"{describe(self.resource)}: {message}",
                config_keys=(f"openstack:{top}",) if self.resource.is_provider else (),
            )
        )

    def masked(self, value: Any, path: str, shown_path: str, top: str) -> bool:
        """True when `value` cannot be read here; fails closed when it had to be."""
        mask = _masked_subtree(value)
        if mask is None:
            return False
        if not _needs_reading(self.table, path):
            return True
        reading = self.context.reading(self.resource, top, value)
        if reading is Reading.COMPUTED:
            return True  # judged again once the engine knows it (on `up`)
        why = "is a secret here" if mask == SECRET_MASK else "is unknown (config or outside)"
        self.fail(
            f"input {shown_path!r} {why}, and what it holds must be shown to be allowed (the "
            "pack refuses parts of it unless default); a value the pack cannot read does not "
            "pass.",
            top,
        )
        return True

    def value(self, value: Any, prop: Mapping[str, Any], path: str, shown: str, top: str) -> None:
        if value is None or self.masked(value, path, shown, top):
            return
        kind = prop.get("type")
        if kind == "object" and isinstance(value, Mapping):
            for key, item in value.items():
                fields = prop.get("properties", {})
                if key == BRIDGE_DEFAULTS:
                    continue  # the bridge's record of defaulted fields, in any nested block
                if key not in fields:
                    self.unknown(f"{path}.{key}", f"{shown}.{key}", top)
                    continue
                self.value(item, fields[key], f"{path}.{key}", f"{shown}.{key}", top)
            return
        item_kind = (prop.get("items") or {}).get("type")
        if kind == "array" and item_kind == "object" and isinstance(value, list):
            for index, item in enumerate(value):
                if not isinstance(item, Mapping) and not self.masked(
                    item, path + "[]", f"{shown}[{index}]", top
                ):
                    self.fail(f"input {shown}[{index}] is not an object as the schema says.", top)
                    continue
                self.value(item, prop["items"], path + "[]", f"{shown}[{index}]", top)
            return
        value_kind = (prop.get("values") or {}).get("type")
        if kind == "map" and value_kind == "object" and isinstance(value, Mapping):
            for key, item in value.items():
                self.value(item, prop["values"], path + "{}", f"{shown}.{key}", top)
            return
        if (
            kind in ("object", "array", "map")
            and (kind != "array" or item_kind == "object")
            and not isinstance(value, Mapping | list)
        ):
            self.fail(f"input {shown!r} is not the {kind} the schema says it is.", top)
            return
        self.leaf(value, prop, path, shown, top)

    def leaf(self, value: Any, prop: Mapping[str, Any], path: str, shown: str, top: str) -> None:
        verdict = self.table.get(path.replace("[].", "[].").replace("{}", "{}"))
        if verdict is None:
            self.fail(
                f"input {shown!r} is in the provider's schema but not classified in "
                "policies/properties.py (judged, inert or refused), so nothing says it is safe.",
                top,
            )
            return
        if isinstance(verdict, Judged | Inert):
            return
        if isinstance(verdict, Refused):
            if at_default(value, verdict.default, str(prop.get("type"))):
                return
            default = "unset" if verdict.default is None else f"unset or {verdict.default!r}"
            self.fail(
                f"input {shown!r} is set to {common_shown(self.resource, top, value)}, which "
                f"the pack refuses (allowed: {default}): {verdict.reason}.",
                top,
            )
            return
        if not isinstance(value, Mapping):
            self.fail(f"input {shown!r} is not a map of keys the pack can read.", top)
            return
        for key in value:
            if str(key) not in verdict.keys:
                admitted = ", ".join(sorted(verdict.keys)) or "none"
                self.fail(
                    f"input {shown!r} passes key {str(key)!r} to the cloud as written, and the "
                    f"pack admits only the keys it lists with a reason ({verdict.reason}). "
                    f"Admitted keys: {admitted}. Remove the key, or add it to "
                    "policies/properties.py with the reason it is safe.",
                    top,
                )

    def unknown(self, path: str, shown: str, top: str) -> None:
        versions = ", ".join(f"pulumi-{name} {v}" for name, v in schema_versions().items())
        self.fail(
            f"input {shown!r} is not an input of {self.resource.type} in the provider's schema "
            f"({versions}): the provider would ignore or refuse it, and the pack cannot say "
            "which. Remove it.",
            top,
        )


@rule(
    "inventory-property-judged",
    description="Every set input of an understood type is judged, inert, or at its default.",
    remediation="Remove the input, or classify it in policies/properties.py with its reason.",
    severity=Severity.CRITICAL,
    requirements=("CLOSED-WORLD", "SNC-19.1"),
    enforces=(
        "every set input of an understood type is a property of the provider's schema "
        "(`policies/schema.json`), classified in `policies/properties.py` as judged by named rules "
        "or inert with a reason; refused properties are unset or at their default as the provider "
        "parses it; pass-through maps (`valueSpecs`, metadata the cloud acts on) carry only "
        "admitted keys; nested objects to the leaf"
    ),
    applies_to=("*",),
)
def inventory_property_judged(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: every input the resource declares is a property of its type in the provider's
    schema (policies/schema.json), classified in policies/properties.py as judged by named
    rules or inert with a reason; refused properties are unset or at their default (as the
    provider parses it); pass-through maps carry only admitted keys; nested objects to the leaf.
    Fails: an input outside the schema, a refused property set, a key of a pass-through map not
    admitted, a part that must be read but is a secret offline or unknown from outside.
    Not applicable: types outside the table (refused by inventory-known-type, or providers of
    other clouds judged by region-foreign-cloud)."""
    table = classified(resource.type)
    schema = schema_of(resource.type)
    if table is None or schema is None:
        return [not_applicable("not a type the property table covers")]
    walk = _Walk(resource, context, {**ENGINE_INPUTS, **table})
    engine_schema = {key: {"type": "any"} for key in ENGINE_INPUTS}
    for key, value in resource.declared.items():
        prop = schema.get(key) or engine_schema.get(key)
        if prop is None:
            walk.unknown(key, key, key)
            continue
        walk.value(value, prop, key, key, key)
    return walk.findings or [passed()]
