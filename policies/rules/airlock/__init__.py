"""Airlock family: results leave a workspace only through a two-person release.

The containers say what they are in their metadata (`purpose: outbox` on the outbox; `purpose:
airlock` and `airlock: requests | decisions | release` on the others), so a state export is
judged as its resources stand. Who may read or write a container is its Swift ACL, read as
Swift reads it (policies.swift). A member's token carries the member roles
(hubcore.workspaceroles) in the workspace's project; a member's user is one of the stack's
Keystone users. So an ACL admits members when it names one of their roles, one of their users,
the workspace's project with any user (`<project>:*`), any project (`*:...`), or a referrer.
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.airlock import (  # noqa: F401 - imported for their registrations
    outbox_write_only,
    release_area_officers_only,
    decision_one_officer,
    data_officers,
)
# isort: on
