"""What every command of the local cloud shares: how it speaks, and where its cloud is."""

from __future__ import annotations

import sys

from localcloud.layout import Layout, is_another_checkouts


def say(message: str) -> None:
    print(f"local-cloud: {message}", file=sys.stderr, flush=True)


def elsewhere(layout: Layout) -> str:
    """Said when the cloud acted on is another checkout's (this one has none of its own)."""
    if not is_another_checkouts(layout):
        return ""
    return f" (the cloud of this machine, in {layout.state}, started from another checkout)"
