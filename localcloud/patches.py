"""Upstream fixes applied to installed Debian files, each exactly where it is known to fit.

A patch in localcloud/patches/ is one upstream commit's diff of one file, with a description that
names the commit and the bug. Its `index OLD..NEW` line gives the git blob ids of the file before
and after the change, and those decide everything: an installed file whose blob is OLD is patched
(and must come out as NEW), a file already at NEW is left alone, and any other file is refused
with an error that says what was expected, because a fix applied to a file it was not written for
is a new bug. A package upgrade that overwrites the file puts it back to OLD (patched again on the
next install) or to something else (refused: read the new package, drop or renew the patch).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PATCHES = Path(__file__).resolve().parent / "patches"
# Where Debian's python3 keeps the packaged OpenStack services.
DIST_PACKAGES = Path("/usr/lib/python3/dist-packages")

_INDEX = re.compile(r"^index ([0-9a-f]{7,40})\.\.([0-9a-f]{7,40})(?: \d+)?$", re.MULTILINE)
_TARGET = re.compile(r"^\+\+\+ b/(\S+)$", re.MULTILINE)


class PatchRefused(RuntimeError):
    """The installed file is not the one a patch was written for; nothing was changed."""


def blob_id(data: bytes) -> str:
    """The git blob id of a file's bytes (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class SourcePatch:
    """One upstream diff of one installed file."""

    file: Path
    target: Path
    before: str
    after: str

    @classmethod
    def read(cls, file: Path, root: Path = DIST_PACKAGES) -> SourcePatch:
        text = file.read_text()
        targets = _TARGET.findall(text)
        indexes = _INDEX.findall(text)
        if len(targets) != 1 or len(indexes) != 1:
            raise PatchRefused(
                f"{file}: a patch must change exactly one file and carry its git `index OLD..NEW` "
                f"line (found {len(targets)} target(s), {len(indexes)} index line(s))"
            )
        before, after = indexes[0]
        return cls(file=file, target=root / targets[0], before=before, after=after)

    def state(self) -> str:
        """'unpatched', 'patched', or 'unknown <blob id>' for the installed file."""
        try:
            found = blob_id(self.target.read_bytes())
        except FileNotFoundError:
            return "missing"
        if found.startswith(self.after):
            return "patched"
        if found.startswith(self.before):
            return "unpatched"
        return f"unknown {found[:10]}"

    def apply(self) -> str:
        """Patch the installed file if it is the expected one; say what was done."""
        state = self.state()
        if state == "patched":
            return "already applied"
        if state != "unpatched":
            found = "not installed" if state == "missing" else f"git blob {state.split()[1]}"
            raise PatchRefused(
                f"{self.target} is {found}, "
                f"but {self.file.name} expects blob {self.before} (and makes {self.after}): "
                "nothing changed. The package was probably upgraded: read its new file, then "
                "drop this patch if the fix is in it, or renew the patch."
            )
        with tempfile.TemporaryDirectory(dir=self.target.parent, prefix=".localcloud-") as work:
            result = Path(work) / self.target.name
            done = subprocess.run(
                [
                    "patch",
                    "--forward",
                    "--batch",
                    "--silent",
                    "--reject-file=-",
                    f"--output={result}",
                    str(self.target),
                    str(self.file),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            made = blob_id(result.read_bytes()) if result.exists() else "nothing"
            if done.returncode != 0 or not made.startswith(self.after):
                raise PatchRefused(
                    f"{self.file.name} did not turn {self.target} into blob {self.after} "
                    f"(patch exit {done.returncode}, result {made[:10]}): nothing changed. "
                    f"{done.stdout}{done.stderr}".strip()
                )
            os.chmod(result, self.target.stat().st_mode & 0o7777)
            # One rename: a service starting meanwhile reads the old file or the new, never half.
            os.replace(result, self.target)
        return "applied"


def shipped(root: Path = DIST_PACKAGES) -> list[SourcePatch]:
    return [SourcePatch.read(file, root) for file in sorted(PATCHES.glob("*.patch"))]


def apply_all(root: Path = DIST_PACKAGES) -> list[tuple[SourcePatch, str]]:
    """Apply every shipped patch; the first refusal stops the install."""
    return [(patch, patch.apply()) for patch in shipped(root)]
