"""Airlock family: results leave a workspace only through a two-person release.

The containers say what they are in their metadata (`purpose: outbox` on the outbox; `purpose:
airlock` and `airlock: requests | decisions | release` on the others), so a state export is
judged as its resources stand. Who may read or write a container is its Swift ACL, read as
Swift reads it (policies.swift). A member's token carries the member roles
(hubcore.workspaceroles) in the workspace's project; a member's user is one of the stack's
Keystone users. So an ACL admits members when it names one of their roles, one of their users,
the workspace's project with any user (`<project>:*`), any project (`*:...`), or a referrer.
"""

from __future__ import annotations

from hubcore.resource_types import CONTAINER, USER
from hubcore.stacks import Layer, StackName
from hubcore.workspaceroles import MEMBER_ROLES
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import RuleSettings, Scope, Severity, rule
from policies.rules.common import cannot_judge, describe
from policies.swift import AclRefused, clean_acl, parse_acl

MIN_OFFICERS = 2


class OfficersSettings(RuleSettings):
    """airlock-data-officers: how many distinct officers a site names at least."""

    min_officers: int = MIN_OFFICERS


def _kind(resource: ResourceView) -> str | None:
    tags = resource.tags
    if "workspace" not in tags:
        return None
    if tags.get("purpose") == "outbox":
        return "outbox"
    return tags.get("airlock") if tags.get("purpose") == "airlock" else None


def _member_users(context: Context) -> set[str]:
    """The ids and names of the stack's Keystone users: the workspace's members."""
    found: set[str] = set()
    for user in context.of_type(USER):
        for value in (user.get("id"), user.get("name"), user.name):
            if isinstance(value, str) and value:
                found.add(value)
    return found


def _admits_members(value: str, context: Context, *, write: bool) -> list[str]:
    """The ACL items through which a member's token gets in (empty: none)."""
    try:
        referrers, groups = parse_acl(clean_acl(value, write=write))
    except AclRefused as error:
        return [f"an ACL Swift refuses ({error})"]
    members = _member_users(context)
    reasons = [f".r:{r} (anyone who sends that Referer)" for r in referrers]
    for group in groups:
        if ":" not in group:
            if group in MEMBER_ROLES:
                reasons.append(f"{group} (a role every member holds)")
            continue
        project, user = group.split(":", 1)
        if user == "*" or project == "*":
            reasons.append(f"{group} (any user of {'any project' if project == '*' else project})")
        elif user in members:
            reasons.append(f"{group} (a member's user)")
    return reasons


def _acl(resource: ResourceView, context: Context, field: str) -> tuple[str | None, Outcome | None]:
    """The ACL's text, or an outcome when it cannot be judged (computed: N/A; unreadable)."""
    value = resource.get(field)
    if value in (None, ""):
        return None, None
    reading = context.reading(resource, field, value)
    if reading is Reading.COMPUTED:
        return None, not_applicable(f"{field} is computed by the stack")
    if not reading.readable or not isinstance(value, str):
        return None, cannot_judge(
            resource,
            field,
            reading if not reading.readable else Reading.UNKNOWN,
            "who may access the airlock",
        )
    return value, None


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
    if _kind(resource) != "outbox":
        return not_applicable("not a workspace's outbox")
    value, outcome = _acl(resource, context, "containerRead")
    if outcome is not None:
        return outcome
    reasons = _admits_members(value or "", context, write=False)
    if not reasons:
        return passed()
    return failed(
        f"{describe(resource)} (workspace {resource.tags['workspace']}) lets members read the "
        f"outbox through {'; '.join(reasons)}: a member could read results back after their "
        "release, bypassing the airlock."
    )


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
    if _kind(resource) != "release":
        return [not_applicable("not a project's release area")]
    outcomes: list[Outcome] = []
    value, outcome = _acl(resource, context, "containerRead")
    if outcome is not None:
        outcomes.append(outcome)
    reasons = _admits_members(value or "", context, write=False)
    if reasons:
        outcomes.append(
            failed(
                f"{describe(resource)} lets members read released results through "
                f"{'; '.join(reasons)}: the release area is the officers' and the operator's."
            )
        )
    written, outcome = _acl(resource, context, "containerWrite")
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
    if _kind(resource) != "decisions":
        return not_applicable("not an officer's decision container")
    value, outcome = _acl(resource, context, "containerWrite")
    if outcome is not None:
        return outcome
    if not value:
        return failed(f"{describe(resource)} has no write ACL: its officer cannot decide.")
    reasons = _admits_members(value, context, write=True)
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


@rule(
    "airlock-data-officers",
    description="A site with research workspaces names at least two data officers.",
    remediation="List two or more Keystone users in hub:dataOfficers (stacks/sites.yaml): a "
    "release needs two distinct officers' approvals.",
    severity=Severity.HIGH,
    requirements=("TRE-OUTPUT", "CNIL-AUTH"),
    enforces=(
        "a site with `hub:workspacePool` names at least `minOfficers` (2) distinct "
        "`hub:dataOfficers` (judged on its network and workspace stacks)"
    ),
    scope=Scope.STACK,
    settings=OfficersSettings(),
)
def airlock_data_officers(context: Context) -> Outcome:
    """Passes: a site's network or workspace stack whose hub:dataOfficers lists at least
    minOfficers (2) distinct users. Fails: fewer, or none (nothing could ever be released, or one
    person could). Not applicable: sites without hub:workspacePool, other layers, no config."""
    site = context.site
    name = StackName.try_parse(site.stack or "")
    if name is None or name.layer not in (Layer.NETWORK, Layer.WORKSPACE):
        return not_applicable("judged on the site's network stack and its workspaces")
    if site.text("hub:workspacePool") is None:
        return not_applicable("the site holds no research workspaces")
    officers = site.value("hub:dataOfficers")
    listed = sorted({str(o) for o in officers}) if isinstance(officers, list) else []
    least = context.settings(OfficersSettings).min_officers
    if len(listed) >= least:
        return passed()
    return failed(
        f"site {site.site!r} names {len(listed)} data officer(s) ({', '.join(listed) or 'none'});"
        f" a release needs {least} distinct officers' approvals, so results could never leave"
        + (" its workspaces." if len(listed) < 2 else " under the pack's setting."),
        config_keys=("hub:dataOfficers",),
    )
