"""The folder the Pulumi engine runs the program in: the checkout, or a view of it whose stacks/
is $HUB_STACKS_DIR.

The engine reads a stack's config from Pulumi.yaml's `stackConfigDir` (`stacks`, beside
Pulumi.yaml) and writes there too: `stack init` puts a new stack's encryption salt there and
`config set` its values. No variable moves that folder, and `--config-file` exists on `up`,
`preview` and `config` but not on `stack init`. So when $HUB_STACKS_DIR names another stacks
folder (the tests' copy, an operator's dry run), the engine runs in a view of the checkout: a
folder of links to every entry of the checkout but `stacks`, which links to $HUB_STACKS_DIR.
hubctl reads and writes its stack files there too (hubcore.stackfiles.stacks_dir), so the
engine and hubctl agree on one folder and the checkout's stacks/ is left as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import STACKS_DIR, STACKS_DIR_VARIABLE
from hubcore.values import ConfigError

# One view per (checkout, stacks folder), kept between runs: the engine's own caches stay warm.
VIEWS_ROOT = Path(tempfile.gettempdir()) / "sovereign-hub-engine-projects"
STACKS_ENTRY = "stacks"


class StacksDirError(ConfigError):
    """$HUB_STACKS_DIR names no folder the engine could read stack files from."""


def engine_work_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the engine runs for `environ` (os.environ when None): the checkout, unless
    $HUB_STACKS_DIR names another stacks folder."""
    configured = (os.environ if environ is None else environ).get(STACKS_DIR_VARIABLE)
    if not configured:
        return REPO_ROOT
    stacks = Path(configured).resolve()
    if stacks == STACKS_DIR.resolve():
        return REPO_ROOT
    if not stacks.is_dir():
        raise StacksDirError(
            f"{STACKS_DIR_VARIABLE}={configured}: not a folder; it must name a folder of "
            "stack files (a copy of stacks/), or be unset to use the checkout's stacks/",
            key=STACKS_DIR_VARIABLE,
        )
    return project_view(stacks)


def project_view(stacks: Path) -> Path:
    """The checkout seen with `stacks` as its stacks/: made once, completed when the checkout
    gained an entry since. Each link is made on its own, so two processes making the same view
    at once both end with the whole of it."""
    digest = hashlib.sha256(f"{REPO_ROOT}\0{stacks}".encode()).hexdigest()[:16]
    view = VIEWS_ROOT / digest
    if not view.is_dir():
        _remove_orphans()
    view.mkdir(parents=True, exist_ok=True, mode=0o700)
    wanted = {e.name: e for e in REPO_ROOT.iterdir() if e.name != STACKS_ENTRY}
    wanted[STACKS_ENTRY] = stacks
    for name, target in wanted.items():
        link = view / name
        try:
            link.symlink_to(target)
        except FileExistsError:
            if not (link.is_symlink() and Path(os.readlink(link)) == target):
                raise StacksDirError(
                    f"{link} exists and does not link to {target}: remove {view} and run again",
                    key=STACKS_DIR_VARIABLE,
                ) from None
    return view


def _remove_orphans() -> None:
    """Views whose stacks folder is gone (a test's copy, removed with its temporary folder):
    nothing can run in them any more. Only links are removed, never what they point to."""
    for old in VIEWS_ROOT.iterdir() if VIEWS_ROOT.is_dir() else ():
        link = old / STACKS_ENTRY
        if old.is_dir() and not old.is_symlink() and link.is_symlink() and not link.exists():
            for entry in old.iterdir():
                if entry.is_symlink():
                    entry.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # not empty: not a view of ours; leave it
                old.rmdir()
