"""`scripts/local-cloud patch`: the upstream fixes applied to the installed packages."""

from __future__ import annotations

from localcloud import patches
from localcloud.commands.common import say


def cmd_patch() -> int:
    """Apply the upstream fixes of localcloud/patches/ to the installed packages (idempotent)."""
    try:
        for patch, done in patches.apply_all():
            say(f"patch {patch.file.name}: {done} ({patch.target})")
    except patches.PatchRefused as refused:
        say(f"REFUSED: {refused}")
        return 1
    return 0
