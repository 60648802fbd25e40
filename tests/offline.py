"""Running hubctl as a user would, without any cloud, engine or credentials.

A refusal that must come before anything is reached (a usage error, a backend conflict, an open
workspace) is tested here: with no OS_* variables, no engine on PATH and a state backend that
does not exist, a command that went any further would fail another way.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from hubcore.paths import REPO_ROOT

# What a shell may carry that names a cloud or a backend: the session's deployment, or a user's
# `eval "$(scripts/local-cloud env)"`.
AMBIENT_PREFIXES = ("OS_",)
AMBIENT_NAMES = frozenset({"PULUMI_BACKEND_URL", "HUB_STATE_BACKEND"})


def is_ambient(name: str) -> bool:
    return name.startswith(AMBIENT_PREFIXES) or name in AMBIENT_NAMES


def hubctl(
    *args: str, env: Mapping[str, str] | None = None, without: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """`hubctl ARGS` in a subprocess with no cloud, no engine and no backend; `env` adds or
    overrides environment variables (HUB_STACKS_DIR, PULUMI_BACKEND_URL...), `without` removes
    some (HUB_STATE_BACKEND, to see a site's own backend)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "PULUMI_", "HUB_"))}
    environ["PATH"] = "/usr/bin:/bin"
    environ["HUB_STATE_BACKEND"] = "file:///nonexistent/hub-state"
    environ.update(env or {})
    for name in without:
        environ.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", "from hubctl.cli import app; app()", *args],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
