"""`scripts/local-cloud mode`: whether this cloud's hosts boot."""

from __future__ import annotations

from localcloud.layout import Layout


def cmd_mode(layout: Layout) -> int:
    """Print whether this cloud's hosts boot (`data-plane`) or exist in the APIs only
    (`api-only`); `unset` for a folder never started, whose first start chooses."""
    print(layout.recorded_mode() or "unset")
    return 0
