"""Rule families, a package each, one module per rule (a parameterised rule's module registers
it through its family's factory: audit, exposure); importing this package registers every
rule. common.py and topology.py are what the families share: they register no rule, and no
family imports another.

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
