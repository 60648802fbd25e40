"""workspace-expiry-valid: A workspace expires after its start, within its authorisation and the
longest duration."""

from __future__ import annotations

from hubcore.resource_types import CONTAINER
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import RuleSettings, Severity, rule
from policies.rules.common import describe
from policies.rules.workspace.common import as_date, is_extract

MAX_DAYS = 1096  # three years: the longest a reference methodology's project usually runs


class ExpirySettings(RuleSettings):
    """workspace-expiry-valid: the longest a workspace may last, in days."""

    max_duration_days: int = MAX_DAYS


@rule(
    "workspace-expiry-valid",
    description="A workspace expires after its start, within its authorisation and the longest "
    "duration.",
    remediation="Set `expires` in the project's manifest before the authorisation ends "
    "(hubctl workspace extend refuses dates beyond it).",
    severity=Severity.HIGH,
    requirements=("CNIL-AUTH", "GDPR-5-1-E"),
    enforces=(
        "a workspace's extract says when it starts and expires: after its start, not after its "
        "authorisation ends, at most `maxDurationDays` (1096) long"
    ),
    applies_to=(CONTAINER,),
    settings=ExpirySettings(),
)
def workspace_expiry_valid(resource: ResourceView, context: Context) -> Outcome:
    """Passes: the extract says workspace-starts < workspace-expires <= authorisation-ends, and
    the workspace lasts at most maxDurationDays. Fails: a date missing or unreadable, or any of
    those comparisons false. Not applicable: containers that are not a workspace's extract."""
    if not is_extract(resource):
        return not_applicable("not a workspace extract")
    tags = resource.tags
    starts, expires = as_date(tags.get("workspace-starts")), as_date(tags.get("workspace-expires"))
    ends = as_date(tags.get("authorisation-ends"))
    what = f"{describe(resource)} (workspace {tags['workspace']})"
    if expires is None:
        return failed(f"{what} carries no readable expiry: every workspace expires.")
    if starts is None or ends is None:
        return failed(f"{what} carries no readable start or authorisation end.")
    if expires <= starts:
        return failed(f"{what} expires on {expires}, not after it starts on {starts}.")
    if expires > ends:
        return failed(
            f"{what} expires on {expires}, after its authorisation "
            f"{tags.get('authorisation', '?')} ends on {ends}: access outlives the authorisation."
        )
    limit = context.settings(ExpirySettings).max_duration_days
    days = (expires - starts).days
    if days > limit:
        return failed(f"{what} lasts {days} days; at most {limit} are allowed (maxDurationDays).")
    return passed()
