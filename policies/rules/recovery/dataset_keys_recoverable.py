"""recovery-dataset-keys-recoverable: a production site's dataset keys come back in the DR
region (escrow, or custodians' shares)."""

from __future__ import annotations

import json

from policies.model import Context, Outcome, failed, passed
from policies.registry import Scope, Severity, rule
from policies.rules.recovery.common import not_production


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
    skip = not_production(context)
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
