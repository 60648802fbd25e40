"""What every command of the local cloud shares: how it speaks, and where its cloud is."""

from __future__ import annotations

import os
import sys

from localcloud.layout import REPO_ROOT, Layout


def say(message: str) -> None:
    print(f"local-cloud: {message}", file=sys.stderr, flush=True)


def elsewhere(layout: Layout) -> str:
    """Said when the cloud acted on is another checkout's (this one has none of its own)."""
    if layout.state == (REPO_ROOT / ".local-cloud") or os.environ.get("LOCAL_CLOUD_DIR"):
        return ""
    return f" (the cloud of this machine, in {layout.state}, started from another checkout)"
