"""airlock-release-area-officers-only: A project's release area admits no member and is written by
the operator only."""

from __future__ import annotations

from hubcore.resource_types import CONTAINER
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.airlock.common import admits_members, container_kind, read_acl
from policies.rules.common import describe


@rule(
    "airlock-release-area-officers-only",
    description="A project's release area admits no member and is written by the operator only.",
    remediation="Declare the release area in the site's project with container_read naming "
    "each data officer (<workspace project>:<officer user>) and no container_write.",
    severity=Severity.CRITICAL,
    requirements=("TRE-OUTPUT", "GDPR-32"),
    enforces=(
        "a project's release area read ACL admits no member, and it has no write ACL: only the "
        "operator writes it, after two officers' approvals"
    ),
    applies_to=(CONTAINER,),
)
def airlock_release_area_officers_only(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: a release area whose read ACL names users who are not members, with no write
    ACL. Fails: a member role or user, `<project>:*`, a wildcard or a referrer in its read ACL;
    any write ACL (one officer could then release alone). Not applicable: other containers."""
    if container_kind(resource) != "release":
        return [not_applicable("not a project's release area")]
    outcomes: list[Outcome] = []
    value, outcome = read_acl(resource, context, "containerRead")
    if outcome is not None:
        outcomes.append(outcome)
    reasons = admits_members(value or "", context, write=False)
    if reasons:
        outcomes.append(
            failed(
                f"{describe(resource)} lets members read released results through "
                f"{'; '.join(reasons)}: the release area is the officers' and the operator's."
            )
        )
    written, outcome = read_acl(resource, context, "containerWrite")
    if outcome is not None:
        outcomes.append(outcome)
    if written:
        outcomes.append(
            failed(
                f"{describe(resource)} has a write ACL ({written!r}): whoever it names could "
                "put files in the release area without two officers' approvals."
            )
        )
    return outcomes or [passed()]
