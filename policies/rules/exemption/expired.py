"""exemption-expired: no exemption is past its end or ends further ahead than `maxDays`."""

from __future__ import annotations

from datetime import date, timedelta

from policies import clock
from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.registry import RuleSettings, Scope, Severity, rule

DEFAULT_MAX_DAYS = 180


class ExemptionSettings(RuleSettings):
    """exemption-expired: how far ahead an exemption may end, and the day to judge on ("":
    today, UTC)."""

    max_days: int = DEFAULT_MAX_DAYS
    as_of: str = ""


def as_of(context: Context) -> date:
    configured = context.settings(ExemptionSettings).as_of
    if configured:
        try:
            return date.fromisoformat(configured)
        except ValueError:
            pass
    return clock.today()


@rule(
    "exemption-expired",
    description="No suppression or allowance is past its expiry, or further ahead than allowed.",
    remediation="Fix the finding, or renew the exemption with its owner's review and a new date.",
    severity=Severity.HIGH,
    requirements=("CLOSED-WORLD", "HDS-ISO27001-A8"),
    enforces=(
        "no suppression or allowance is past its `expires` (it no longer exempts either) or "
        "further ahead than `maxDays` (180)"
    ),
    scope=Scope.STACK,
    settings=ExemptionSettings(),
)
def exemption_expired(context: Context) -> list[Outcome]:
    """Passes: every exemption of the pack config ends today or later, and no later than
    maxDays from today. Fails: one per exemption past its end (it no longer exempts), or ending
    further ahead than allowed, or with no end at all (a config the loader did not read, under
    the engine). Not applicable: no exemption."""
    exemptions = context.exemptions
    if not exemptions:
        return [not_applicable("no exemption in the pack config")]
    today = as_of(context)
    latest = today + timedelta(days=context.settings(ExemptionSettings).max_days)
    outcomes: list[Outcome] = []
    for exemption in exemptions:
        what = (
            f"{exemption.kind} of {exemption.rule} for {exemption.target} (owner "
            f"{exemption.owner or 'none'}, {exemption.ticket or exemption.reason or 'no reason'})"
        )
        if exemption.expires is None:
            outcomes.append(failed(f"the {what} has no expiry date: every exemption ends."))
        elif exemption.expires < today:
            outcomes.append(
                failed(
                    f"the {what} expired on {exemption.expires} (as of {today}): it no longer "
                    "exempts. Fix the finding, or have its owner renew it with a new date.",
                )
            )
        elif exemption.expires > latest:
            outcomes.append(
                failed(
                    f"the {what} ends on {exemption.expires}, after {latest}, the latest the "
                    "pack allows (maxDays): review it sooner.",
                )
            )
        else:
            outcomes.append(passed())
    return outcomes
