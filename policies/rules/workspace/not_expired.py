"""workspace-not-expired: No resource of an expired workspace is still deployed."""

from __future__ import annotations

from datetime import date

from hubcore.resource_types import (
    CONTAINER,
    INSTANCE,
    NETWORK,
    PORT,
    PROJECT,
    ROUTER,
    SECURITY_GROUP,
    SUBNET,
    VOLUME,
)
from policies import clock
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import RuleSettings, Severity, rule
from policies.rules.common import describe
from policies.rules.workspace.common import as_date

# Resources that say which workspace they belong to (tags or metadata).
LABELLED = (
    PROJECT,
    CONTAINER,
    NETWORK,
    SUBNET,
    ROUTER,
    PORT,
    SECURITY_GROUP,
    INSTANCE,
    VOLUME,
)


class AsOfSettings(RuleSettings):
    """workspace-not-expired: the day to judge on ("": today, UTC)."""

    as_of: str = ""


def as_of(context: Context) -> date:
    configured = as_date(context.settings(AsOfSettings).as_of)
    return configured or clock.today()


@rule(
    "workspace-not-expired",
    description="No resource of an expired workspace is still deployed.",
    remediation="Close the workspace: hubctl workspace close (or expire, the nightly job).",
    severity=Severity.CRITICAL,
    requirements=("CNIL-AUTH", "GDPR-5-1-E"),
    enforces=(
        "no resource of a workspace past its `workspace-expires` is deployed (setting `asOf`, "
        "default today UTC): `hubctl check --state` of a lingering workspace fails"
    ),
    applies_to=LABELLED,
    settings=AsOfSettings(),
)
def workspace_not_expired(resource: ResourceView, context: Context) -> Outcome:
    """Passes: the resource's workspace-expires is today (UTC, or the asOf setting) or later.
    Fails: it is earlier, or unreadable. Not applicable: resources of no workspace."""
    tags = resource.tags
    if "workspace" not in tags:
        return not_applicable("not a workspace resource")
    expires = as_date(tags.get("workspace-expires"))
    today = as_of(context)
    if expires is not None and expires >= today:
        return passed()
    shown = expires.isoformat() if expires else "an unreadable date"
    return failed(
        f"{describe(resource)} belongs to workspace {tags['workspace']}, which expired on "
        f"{shown} (as of {today}); it must be closed, its key destroyed and its data gone.",
    )
