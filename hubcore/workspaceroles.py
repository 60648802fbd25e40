"""The Keystone roles a research workspace grants, and what each may do: one declaration that
the program (infra.layers.workspace), the pack (policies.rules.airlock) and hubctl's airlock
read. The local cloud creates them (localcloud.setup.keystone); a SecNumCloud pod's operators
create them once per domain.

Members read what their project holds and write its outbox; observer is Barbican's read role,
which unwrapping extract objects needs; data officers read outboxes and decide on requests.
"""

from __future__ import annotations

MEMBER_ROLE = "hub-ws-member"
KEY_READER_ROLE = "observer"
DATA_OFFICER_ROLE = "hub-data-officer"
# Every role a member's token carries in the workspace's project.
MEMBER_ROLES = frozenset({MEMBER_ROLE, KEY_READER_ROLE})
