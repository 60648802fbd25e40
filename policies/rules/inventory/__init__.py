"""Inventory family: the pack judges only what it understands, and refuses the rest.

A resource whose package or type is outside policies/known_types.py passes no rule by accident:
it is a violation until a rule family judges it or the pack config admits it with a reason.
A custom resource whose provider cannot be found is refused too: its region, endpoint and
credentials would come from somewhere no rule sees.
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.inventory import (  # noqa: F401 - imported for their registrations
    known_type,
    provider_resolved,
    property_judged,
)
# isort: on
