"""airlock-outbox-write-only: Members write a workspace's outbox and never read it back."""

from __future__ import annotations

from hubcore.resource_types import CONTAINER
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.airlock.common import admits_members, container_kind, read_acl
from policies.rules.common import describe


@rule(
    "airlock-outbox-write-only",
    description="Members write a workspace's outbox and never read it back.",
    remediation="Give the outbox container_read the data officers' role only "
    "(hub-data-officer): what a member submitted is read by the officers, never by members.",
    severity=Severity.CRITICAL,
    requirements=("TRE-OUTPUT", "GDPR-32"),
    enforces=(
        "a workspace's outbox read ACL admits no member (no member role, member user, "
        "`<project>:*`, wildcard or referrer): members never read results back after their release"
    ),
    applies_to=(CONTAINER,),
)
def airlock_outbox_write_only(resource: ResourceView, context: Context) -> Outcome:
    """Passes: an outbox whose read ACL admits no member. Fails: a member role, a member's
    user, a wildcard or a referrer in its read ACL (a member could read results back after
    their release, or another member's submission). Not applicable: other containers."""
    if container_kind(resource) != "outbox":
        return not_applicable("not a workspace's outbox")
    value, outcome = read_acl(resource, context, "containerRead")
    if outcome is not None:
        return outcome
    reasons = admits_members(value or "", context, write=False)
    if not reasons:
        return passed()
    return failed(
        f"{describe(resource)} (workspace {resource.tags['workspace']}) lets members read the "
        f"outbox through {'; '.join(reasons)}: a member could read results back after their "
        "release, bypassing the airlock."
    )
