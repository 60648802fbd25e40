"""The one way the tests run hubctl as a person would: `python -m hubctl.cli ARGS` in a
subprocess of this interpreter, from a checkout (this one, or a copy a test made), with the
environment the test chose. Each tier only says what differs: a clean environment
(tests/offline.py), a fence around the command (the drill's loss of a region), a checkout copy
(the check cache, the review pipelines), a timeout.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from hubcore.paths import REPO_ROOT

# hubctl as an argv prefix: the interpreter that runs the tests, so the checkout's own code.
HUBCTL: tuple[str, ...] = (sys.executable, "-m", "hubctl.cli")
# The console script `pip install` made, as a person's shell finds it.
INSTALLED = Path(sys.executable).with_name("hubctl")


def run_hubctl(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO_ROOT,
    timeout: float | None = 600,
    prefix: Sequence[str] = (),
    installed: bool = False,
    errors: str = "strict",
) -> subprocess.CompletedProcess[str]:
    """`hubctl ARGS`, its output captured as text, never raising on its exit status. `env` is
    the whole environment (None: this process's); `prefix` runs it under another command;
    `installed` runs the console script instead of the module; `errors` decodes the output
    (`replace` where a hostile input may come back in it)."""
    command = (str(INSTALLED),) if installed else HUBCTL
    return subprocess.run(
        [*prefix, *command, *args],
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        errors=errors,
        timeout=timeout,
        check=False,
    )
