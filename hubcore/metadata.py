"""Metadata keys hubctl itself writes on a deployed resource, after the deploy.

The program never declares them, so a state never holds them: the pack admits them by name
(policies/properties.py) and the audit does not count them as drift (hubctl/audit/mapping.py).
"""

from __future__ import annotations

# When `hubctl replicate` last finished copying into a replica container (ISO 8601, UTC): the
# drill's RPO reads it.
LAST_SYNC_KEY = "hub-last-sync"

WRITTEN_BY_HUBCTL: dict[str, str] = {
    LAST_SYNC_KEY: "when hubctl replicate last copied into this replica: a timestamp the drill "
    "reads for its RPO, which Swift does not act on",
}
