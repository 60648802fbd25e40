"""Recovery family: a production site says how fast it must come back and how much it may lose,
and its dataset keys can be recovered in the DR region (escrow, or custodians' shares).

Read from the stack's configuration (`hub:rtoTarget`, `hub:rpoTarget`, `hub:keyEscrow`,
`hub:keyCustodians`, `hub:replicaRegion`), like the stack family: a rule reads no file. Without
recoverable keys a region loss makes every replica unreadable, and a drill that only rebuilds
stacks passes while the data is lost.
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.recovery import (  # noqa: F401 - imported for their registrations
    targets_declared,
    dataset_keys_recoverable,
)
# isort: on
