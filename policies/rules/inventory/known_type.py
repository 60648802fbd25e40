"""inventory-known-type: Every resource is of a package and type the pack understands or admits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field

from hubcore.resource_types import PROVIDER_PREFIX, package_of
from policies import clock
from policies.known_types import foreign_cloud, in_inventory
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import RuleSettings, Severity, rule
from policies.rules.common import describe


class AllowSettings(RuleSettings):
    """inventory-known-type: the allowances (a type or package, a reason, an owner, an end),
    each checked when the config is loaded (policies.config)."""

    allow: list[dict[str, Any]] = Field(default_factory=list)


def _ended(expires: Any, today: date) -> bool:
    """An allowance admits nothing once its end has passed (or without an end at all)."""
    try:
        return not isinstance(expires, str) or date.fromisoformat(expires) < today
    except ValueError:
        return True


def allowance(resource: ResourceView, context: Context) -> str | None:
    """The reason the pack config gives for admitting this type or package, if any.

    Entries without a reason are ignored here (the config loader refuses them already).
    """
    today = clock.today()
    for entry in context.settings(AllowSettings).allow:
        if not isinstance(entry, Mapping):
            continue
        reason = str(entry.get("reason") or "").strip()
        if not reason or _ended(entry.get("expires"), today):
            continue
        if entry.get("type") == resource.type or entry.get("package") == package_of(resource.type):
            return reason
    return None


@rule(
    "inventory-known-type",
    description="Every resource is of a package and type the pack understands or admits.",
    remediation="Add a rule family for the type, or allow it in the pack config with a reason.",
    severity=Severity.CRITICAL,
    requirements=("CLOSED-WORLD", "SNC-19.1"),
    enforces=(
        "every resource is of a package and type of the inventory, or admitted by an allowance "
        "with a reason; the message names the type and both ways to admit it"
    ),
    applies_to=("*",),
    settings=AllowSettings(),
)
def inventory_known_type(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a type of policies/known_types.py (openstack, tls, the hub's components, Pulumi's
    own types, providers of the clouds FOREIGN_CLOUDS describes).
    Not applicable: a type the pack config admits with a reason.
    Fails: any other type, naming it and the two ways to admit it."""
    if in_inventory(resource.type):
        return passed()
    reason = allowance(resource, context)
    if reason is not None:
        return not_applicable(f"admitted by the pack config: {reason}")
    package = package_of(resource.type)
    judged_elsewhere = (
        f" Its location is still judged by region-foreign-cloud ({package} is another cloud)."
        if foreign_cloud(resource.type) is not None
        else ""
    )
    kind = "provider of package" if resource.type.startswith(PROVIDER_PREFIX) else "type"
    shown = package if resource.type.startswith(PROVIDER_PREFIX) else resource.type
    return failed(
        f"{describe(resource)} is of {kind} {shown!r}, outside the pack's inventory "
        "(policies/known_types.py): no rule judges it, so it cannot be shown safe and is refused. "
        "Admit it either with a rule family that judges it (policies/rules/, listed in the "
        "inventory), or with an allowance in the pack config: "
        f'{{"inventory-known-type": {{"allow": [{{"type": "{resource.type}", '
        '"reason": "why it is safe"}]}}.' + judged_elsewhere,
    )
