"""What several rules of the airlock family share. Registers no rule."""

from __future__ import annotations

from hubcore.resource_types import USER
from hubcore.workspaceroles import MEMBER_ROLES
from policies.model import Context, Outcome, Reading, ResourceView, not_applicable
from policies.rules.common import cannot_judge
from policies.swift import AclRefused, clean_acl, parse_acl


def container_kind(resource: ResourceView) -> str | None:
    tags = resource.tags
    if "workspace" not in tags:
        return None
    if tags.get("purpose") == "outbox":
        return "outbox"
    return tags.get("airlock") if tags.get("purpose") == "airlock" else None


def member_users(context: Context) -> set[str]:
    """The ids and names of the stack's Keystone users: the workspace's members."""
    found: set[str] = set()
    for user in context.of_type(USER):
        for value in (user.get("id"), user.get("name"), user.name):
            if isinstance(value, str) and value:
                found.add(value)
    return found


def admits_members(value: str, context: Context, *, write: bool) -> list[str]:
    """The ACL items through which a member's token gets in (empty: none)."""
    try:
        referrers, groups = parse_acl(clean_acl(value, write=write))
    except AclRefused as error:
        return [f"an ACL Swift refuses ({error})"]
    members = member_users(context)
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


def read_acl(
    resource: ResourceView, context: Context, field: str
) -> tuple[str | None, Outcome | None]:
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
