"""The drill's journal: what the last drill of a target left behind, so a rerun converges.

A drill killed at any moment (Ctrl-C, a kill of its process group) leaves its journal saying
`running` and naming the backend of the stacks it was building: the next drill of that target
resumes the same stacks in the same backend instead of duplicating them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from hubcore.paths import REPO_ROOT

# Journals and state-loss backends; a test session points it at its own directory.
DRILL_STATE = Path(os.environ.get("HUB_DRILL_STATE", REPO_ROOT / ".state" / "drill"))
# Journal states in which the target's stacks may hold resources a new drill must converge.
RESUMABLE = frozenset({"running", "interrupted", "kept", "failed", "cleanup-failed"})


@dataclass
class Journal:
    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, target: str) -> Journal:
        path = state_dir() / f"{target}.journal.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        return cls(path, data)

    def save(self, **values: Any) -> None:
        self.data.update(values)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.data, indent=2, default=str) + "\n")

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
        self.data = {}


def describe_backend(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return f"DIY file backend {parsed.netloc}{parsed.path}"
    return f"{parsed.scheme} backend {parsed.netloc}"


def state_dir() -> Path:
    """Where journals and state-loss backends live (looked up at each call: tests move it)."""
    return DRILL_STATE
