"""inventory-provider-resolved: Every custom resource names a provider the stack declares."""

from __future__ import annotations

from typing import Any

from policies.known_types import foreign_cloud, known_type
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.common import describe


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
    requirements=("CLOSED-WORLD", "SNC-19.1", "CATALOGUE"),
    enforces="every custom resource names a provider of the stack (a reference to nothing fails)",
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
