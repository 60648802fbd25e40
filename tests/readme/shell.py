"""A newcomer's terminal: one bash session per document, commands typed one after another.

What one command exports or `eval`s stays for the next, as in a person's shell; each command's
own exit status is read back. Commands read nothing from the terminal (stdin is /dev/null), so
a command that would prompt fails instead of hanging, and a command that outlives its time is
killed with the whole session.
"""

from __future__ import annotations

import os
import queue
import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

# What a newcomer's login brings; everything else of the test process (OS_*, PULUMI_*, HUB_*,
# AWS_*, a virtualenv) is not theirs and must not leak into the documented commands.
KEPT_VARIABLES = ("HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "SHELL", "TMPDIR",
                  # the machine's own settings, as .ci/run exports them for a CI machine
                  "HOST_ROOT_CACHE", "GOPATH", "GOCACHE", "GOMODCACHE")  # fmt: skip


def newcomer_environment(environ: dict[str, str], checkout: Path) -> dict[str, str]:
    """The login environment of a person who has just cloned the repository.

    The Debian roots of the host suite are a machine's cache: tests/host/README.md tells a second
    clone to share them through HOST_ROOT_CACHE, as CI does; unset, it is the first checkout's.
    """
    kept = {name: environ[name] for name in KEPT_VARIABLES if name in environ}
    kept.setdefault("HOST_ROOT_CACHE", str(checkout / ".cache" / "host-root"))
    path = [
        entry
        for entry in environ.get("PATH", "/usr/local/bin:/usr/bin:/bin").split(":")
        if entry and "/.venv/" not in f"{entry}/" and "/.toolchain/" not in f"{entry}/"
    ]
    kept["PATH"] = ":".join(path)
    kept["TERM"] = "dumb"  # no colours or cursor tricks in the transcript
    return kept


@dataclass
class Outcome:
    status: int | None  # None: it did not finish in time
    output: str
    seconds: float


class Shell:
    """A bash process in `cwd` with `env`, fed one command at a time."""

    def __init__(self, cwd: Path, env: dict[str, str], transcript: TextIO) -> None:
        self.transcript = transcript
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def run(self, command: str, timeout: float) -> Outcome:
        marker = f"__readme_done_{secrets.token_hex(8)}__"
        assert self.process.stdin is not None
        self.transcript.write(f"$ {command}\n")
        # Braces keep the command in this shell (its exports and evals stay); stdin from
        # /dev/null keeps it from eating the commands that follow.
        self.process.stdin.write(f"{{ {command}\n}} </dev/null\nprintf '\\n{marker} %s\\n' $?\n")
        self.process.stdin.flush()
        began = time.monotonic()
        output: list[str] = []
        while True:
            left = timeout - (time.monotonic() - began)
            try:
                line = self.lines.get(timeout=max(left, 0.1)) if left > 0 else None
            except queue.Empty:
                line = None
            if line is None:
                self.close()
                self.transcript.write(f"[killed after {timeout:.0f} s]\n")
                return Outcome(None, "".join(output), time.monotonic() - began)
            if line.startswith(marker):
                status = int(line.split()[1])
                if output and output[-1] == "\n":
                    output.pop()  # the newline printed before the marker
                self.transcript.write(f"[exit {status} after {time.monotonic() - began:.1f} s]\n")
                self.transcript.flush()
                return Outcome(status, "".join(output), time.monotonic() - began)
            output.append(line)
            self.transcript.write(line)

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.transcript.flush()
