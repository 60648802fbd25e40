"""Inventory family: the pack judges only what it understands, and refuses the rest.

A resource whose package or type is outside policies/inventory.py passes no rule by accident:
it is a violation until a rule family judges it or the pack config admits it with a reason.
A custom resource whose provider cannot be found is refused too: its region, endpoint and
credentials would come from somewhere no rule sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.inventory import (
    PROVIDER_PREFIX,
    foreign_cloud,
    in_inventory,
    known_type,
    package_of,
)
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.common import describe

ALLOW_KEY = "allow"


def allowance(resource: ResourceView, context: Context) -> str | None:
    """The reason the pack config gives for admitting this type or package, if any.

    Entries without a reason are ignored here (the config loader refuses them already).
    """
    for entry in context.rule_config.get(ALLOW_KEY) or []:
        if not isinstance(entry, Mapping):
            continue
        reason = str(entry.get("reason") or "").strip()
        if not reason:
            continue
        if entry.get("type") == resource.type or entry.get("package") == package_of(resource.type):
            return reason
    return None


@rule(
    "inventory-known-type",
    description="Every resource is of a package and type the pack understands or admits.",
    remediation="Add a rule family for the type, or allow it in the pack config with a reason.",
    severity=Severity.CRITICAL,
    applies_to=("*",),
    config={ALLOW_KEY: []},
)
def inventory_known_type(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a type of policies/inventory.py (openstack, tls, the hub's components, Pulumi's
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
        "(policies/inventory.py): no rule judges it, so it cannot be shown safe and is refused. "
        "Admit it either with a rule family that judges it (policies/rules/, listed in the "
        "inventory), or with an allowance in the pack config: "
        f'{{"inventory-known-type": {{"allow": [{{"type": "{resource.type}", '
        '"reason": "why it is safe"}]}}.' + judged_elsewhere,
    )


def _needs_provider(resource: ResourceView) -> bool:
    if resource.is_provider:
        return False
    known = known_type(resource.type)
    if known is not None:
        return not known.component
    return foreign_cloud(resource.type) is not None


@rule(
    "inventory-provider-resolved",
    description="Every custom resource names a provider the stack declares.",
    remediation="Give the resource an explicit provider of the stack (opts=ResourceOptions).",
    severity=Severity.HIGH,
    applies_to=("*",),
)
def inventory_provider_resolved(resource: ResourceView, context: Context) -> Outcome:
    """Passes: the resource's provider reference resolves to a provider of the stack.
    Fails: a reference that points at nothing, or none at all, on a custom resource of a known
    package (its region and endpoint would come from where no rule looks).
    Not applicable: components, providers, and types outside the inventory (refused there)."""
    if not _needs_provider(resource):
        return not_applicable("no provider needed, or refused by inventory-known-type")
    provider = context.provider_of(resource)
    if provider is not None and provider.is_provider:
        return passed()
    target: Any = resource.provider_urn or "no provider at all"
    return failed(
        f"{describe(resource)} names provider {target!s}, which the stack does not declare: its "
        "region, endpoint and credentials cannot be judged. Use an explicit provider of the "
        "stack.",
    )
