"""`scripts/local-cloud purge-secrets`: Barbican's soft-deleted secrets removed for good."""

from __future__ import annotations

from localcloud.layout import Layout, load_secrets
from localcloud.setup import barbican


def cmd_purge_secrets(layout: Layout, secret_ids: list[str]) -> int:
    """Remove soft-deleted Barbican secrets for good (`barbican-manage db clean`), then, for
    each secret id given, say how many rows remain: exit 1 if any does."""
    secret = load_secrets(layout, add_missing=False)
    barbican.purge_deleted_secrets(layout, secret)
    remaining = barbican.secret_rows(layout, secret_ids)
    for secret_id, rows in remaining.items():
        print(f"{secret_id}: {rows} row(s) left in barbican.secrets")
    log = layout.log / "setup-barbican-purge.log"
    print(f"purged: barbican-manage db clean --min-days 0 (log: {log})")
    return 1 if any(remaining.values()) else 0
