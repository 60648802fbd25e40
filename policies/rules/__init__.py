"""Rule families, one module each; importing this package registers every rule.

The registry (policies.registry) is a leaf the families import; `all_rules` lives here, above
both, so no import cycle joins them.
"""

from policies.registry import REGISTRY, Rule
from policies.rules import (  # noqa: F401 - imported for their registrations
    airlock,
    audit,
    crypto,
    encryption,
    endpoints,
    exemption,
    exposure,
    inventory,
    qualification,
    recovery,
    region,
    secrets,
    stack,
    workspace,
)


def all_rules() -> list[Rule]:
    """Every registered rule (the families above are imported, so the registry is complete)."""
    return list(REGISTRY.values())
