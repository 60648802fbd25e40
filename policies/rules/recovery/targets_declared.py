"""recovery-targets-declared: a production site declares its RTO and RPO as durations."""

from __future__ import annotations

from hubcore.durations import DurationError, parse_duration
from policies.model import Context, Outcome, failed, passed
from policies.registry import Scope, Severity, rule
from policies.rules.recovery.common import not_production

TARGET_KEYS = ("hub:rtoTarget", "hub:rpoTarget")


@rule(
    "recovery-targets-declared",
    description="A production site declares its recovery time and point objectives.",
    remediation="Set hub:rtoTarget and hub:rpoTarget (e.g. 4h, 15m) in stacks/sites.yaml.",
    severity=Severity.HIGH,
    requirements=("SNC-17", "HDS-ISO27001-A5.30"),
    enforces=(
        "a production site declares `hub:rtoTarget` and `hub:rpoTarget` as durations (`4h`, `15m`, "
        "`PT4H`); every drill is judged against them"
    ),
    scope=Scope.STACK,
)
def recovery_targets_declared(context: Context) -> list[Outcome]:
    """Passes: hub:rtoTarget and hub:rpoTarget are set to positive durations.
    Fails: either is missing or is not a duration (15m, 4h, PT4H...).
    Not applicable: a site that is not production, or no config."""
    skip = not_production(context)
    if skip is not None:
        return [skip]
    outcomes: list[Outcome] = []
    for key in TARGET_KEYS:
        text = context.site.text(key)
        if text is None:
            outcomes.append(
                failed(
                    f"production site {context.site.site!r} declares no {key}: every drill "
                    "must be judged against a target. Set it in stacks/sites.yaml, e.g. "
                    f"{key}: {'4h' if 'rto' in key else '15m'}.",
                    config_keys=(key,),
                )
            )
            continue
        try:
            parse_duration(text)
        except DurationError as error:
            outcomes.append(failed(f"{key}: {error}", value=text, config_keys=(key,)))
            continue
        outcomes.append(passed())
    return outcomes
