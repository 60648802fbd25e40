"""airlock-decision-one-officer: Each officer's decision container is written by that officer
alone."""

from __future__ import annotations

from hubcore.resource_types import CONTAINER
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.airlock.common import admits_members, container_kind, read_acl
from policies.rules.common import describe
from policies.swift import AclRefused, clean_acl, parse_acl


@rule(
    "airlock-decision-one-officer",
    description="Each officer's decision container is written by that officer alone.",
    remediation="Give a decision container container_write `<workspace project>:<officer user>` "
    "and nothing else.",
    severity=Severity.CRITICAL,
    requirements=("TRE-OUTPUT", "GDPR-32"),
    enforces=(
        "each officer's decision container is written by exactly one `<project>:<user>` of no "
        "member, so Swift attests who decided"
    ),
    applies_to=(CONTAINER,),
)
def airlock_decision_one_officer(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a decision container whose write ACL is exactly one `<project>:<user>` of no
    member. Fails: a role (several users), a wildcard, a member, or no write ACL at all (no
    officer could decide). Not applicable: other containers."""
    if container_kind(resource) != "decisions":
        return not_applicable("not an officer's decision container")
    value, outcome = read_acl(resource, context, "containerWrite")
    if outcome is not None:
        return outcome
    if not value:
        return failed(f"{describe(resource)} has no write ACL: its officer cannot decide.")
    reasons = admits_members(value, context, write=True)
    try:
        _, groups = parse_acl(clean_acl(value, write=True))
    except AclRefused:
        groups = []
    if reasons or len(groups) != 1 or ":" not in groups[0]:
        why = "; ".join(reasons) or f"{value!r} is not one project:user"
        return failed(
            f"{describe(resource)} may be written by more than its officer ({why}): a decision "
            "there no longer proves who decided, and the two-person rule falls."
        )
    return passed()
