"""Audit family: what a live audit (`hubctl audit`) finds beyond each resource's properties.

The live project is judged by every other family as it is; these rules report what only a
comparison with the site's states shows: a managed resource that differs from its state
(drift), a resource no state of the site holds (unmanaged), one a state holds that the cloud
does not (missing), a service the audit was refused (HTTP 403), and a fault that left the
inventory partial. Outside a live audit (a stack, a state export, the engine) there is nothing
for them to judge: they answer "not applicable".
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.audit import (  # noqa: F401 - imported for their registrations
    drift,
    unmanaged,
    missing,
    forbidden,
    incomplete,
)
# isort: on
