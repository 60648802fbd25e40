"""Recovery family: a production site says how fast it must come back and how much it may lose,
and its dataset keys can be recovered in the DR region (escrow, or custodians' shares).

Read from the stack's configuration (`hub:rtoTarget`, `hub:rpoTarget`, `hub:keyEscrow`,
`hub:keyCustodians`, `hub:replicaRegion`), like the stack family: a rule reads no file. Without
recoverable keys a region loss makes every replica unreadable, and a drill that only rebuilds
stacks passes while the data is lost.
"""

from __future__ import annotations

import json

from hubcore.durations import DurationError, parse_duration
from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule

TARGET_KEYS = ("hub:rtoTarget", "hub:rpoTarget")


def _production(context: Context) -> Outcome | None:
    site = context.site
    if site.production is None:
        return not_applicable("no config (a bare state export)")
    if not site.production:
        return not_applicable("not a production site (hub:production)")
    return None


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
    skip = _production(context)
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


def _custodians(text: str | None) -> tuple[int, int] | None:
    """(threshold, number of custodians) from hub:keyCustodians, None if absent or unreadable."""
    if text is None:
        return None
    try:
        value = json.loads(text)
        return int(value["threshold"]), len(value["custodians"])
    except (ValueError, TypeError, KeyError):
        return None


@rule(
    "recovery-dataset-keys-recoverable",
    description="A production site's dataset keys are escrowed or split among custodians.",
    remediation="Set hub:keyEscrow: true (with hub:replicaRegion) or hub:keyCustodians.",
    severity=Severity.CRITICAL,
    requirements=("SNC-17", "HDS-ISO27001-A5.30", "SNC-10"),
    enforces=(
        "a production site's dataset keys come back in the DR region: `hub:keyEscrow: true` (with "
        "`hub:replicaRegion`), or `hub:keyCustodians` with at least two custodians and a threshold "
        "from 2 up to their number"
    ),
    scope=Scope.STACK,
)
def recovery_dataset_keys_recoverable(context: Context) -> Outcome:
    """Passes: hub:keyEscrow is true with a hub:replicaRegion, or hub:keyCustodians holds at
    least two custodians and a threshold of 2 or more that they can reach.
    Fails: neither; escrow without a replica region; custodians unreadable, fewer than two, or
    a threshold of 1 (one person alone) or above their number.
    Not applicable: not production, or no config."""
    skip = _production(context)
    if skip is not None:
        return skip
    site = context.site
    escrow = (site.text("hub:keyEscrow") or "").strip().lower() == "true"
    replica = site.text("hub:replicaRegion")
    custodians_text = site.text("hub:keyCustodians")
    custodians = _custodians(custodians_text)
    if custodians_text is not None:
        if custodians is None:
            return failed(
                "hub:keyCustodians cannot be read: it must be {threshold: K, custodians: "
                "[{id, recipient}, ...]}",
                config_keys=("hub:keyCustodians",),
            )
        threshold, count = custodians
        if count < 2 or threshold < 2 or threshold > count:
            return failed(
                f"hub:keyCustodians asks {threshold} of {count}: split control needs at least "
                "two custodians and a threshold from 2 up to their number",
                config_keys=("hub:keyCustodians",),
            )
    if escrow and not replica:
        return failed(
            "hub:keyEscrow is set but the site has no hub:replicaRegion: the escrow's KEK lives "
            "in the replica region's Barbican",
            config_keys=("hub:keyEscrow",),
        )
    if escrow or custodians is not None:
        return passed()
    return failed(
        f"production site {site.site!r} has neither hub:keyEscrow nor hub:keyCustodians: its "
        "dataset keys never leave the primary region's Barbican, so a region loss makes every "
        "replica unreadable. Escrow them (hub:keyEscrow: true) or split them "
        "(hub:keyCustodians).",
        config_keys=("hub:keyEscrow", "hub:keyCustodians"),
    )
