"""What a host's console log says about its first boot: cloud-init's result and its host keys.

Nova's `console log` is the serial console a Debian cloud image writes to: the kernel, systemd,
and cloud-init's stages (their output and their warnings go to the console as well as to
/var/log/cloud-init*.log). That is the one channel every OpenStack cloud gives a project, OVH's
included, so hubctl reads it rather than anything only the local cloud has. A first boot is
*finished* when cloud-init prints its `finished at` line, and *failed* when any stage reported
a failure on the way: a module that failed, a hardening step that failed (the user data's
runcmd names each one), apt's errors, a traceback. A kernel panic or systemd's emergency shell
is a failure that never finishes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

FINISHED = re.compile(r"Cloud-init v\. \S+ finished at .*?Up (\d+(?:\.\d+)?) seconds")
# Lines cloud-init, the hardening's runcmd and apt print when something went wrong.
FAILURES: tuple[re.Pattern[str], ...] = (
    re.compile(r"Failed to run module \S+"),
    re.compile(r"Running module \S+ .* failed"),
    re.compile(r"hardening step failed: .*"),
    re.compile(r"\[(?:WARNING|ERROR|CRITICAL)\]: .*(?:fail|error|Error|Fail).*"),
    re.compile(r"\bE: .+"),
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"[Cc]ould not .*"),
)
FATAL: tuple[re.Pattern[str], ...] = (
    re.compile(r"Kernel panic - not syncing: .*"),
    re.compile(r"You are in emergency mode"),
    re.compile(r"Give root password for maintenance"),
)
HOST_KEYS = re.compile(
    r"-----BEGIN SSH HOST KEY KEYS-----\s*\n(.*?)-----END SSH HOST KEY KEYS-----", re.DOTALL
)
_KEY_LINE = re.compile(r"((?:ssh|ecdsa)-[a-z0-9-]+ [A-Za-z0-9+/=]+)")
# Console lines start with the kernel's timestamp or a systemd unit's prefix: cut them.
_PREFIX = re.compile(r"^\s*(?:\[\s*\d+\.\d+\]\s*)?(?:[\w.@-]+\[\d+\]:\s*)?")
_ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BootState(StrEnum):
    BOOTING = "booting"
    FINISHED = "finished"
    FAILED = "failed"


@dataclass
class FirstBoot:
    """A host's first boot as its console tells it."""

    state: BootState
    uptime_s: float | None = None
    errors: list[str] = field(default_factory=list)
    host_keys: list[str] = field(default_factory=list)


def _lines(text: str) -> list[str]:
    return [_PREFIX.sub("", _ESCAPES.sub("", line)).strip() for line in text.splitlines()]


def read(text: str) -> FirstBoot:
    """The first boot's state from a console log (the whole log, or its tail)."""
    lines = _lines(text)
    errors: list[str] = []
    for line in lines:
        for pattern in FAILURES:
            found = pattern.search(line)
            if found and line not in errors:
                errors.append(line)
                break
    keys = [
        match.group(1)
        for block in HOST_KEYS.findall("\n".join(lines) + "\n")
        for match in _KEY_LINE.finditer(block)
    ]
    fatal = [line for line in lines for pattern in FATAL if pattern.search(line)]
    finished = next((m for m in map(FINISHED.search, lines) if m), None)
    if fatal:
        return FirstBoot(BootState.FAILED, None, [*errors, *fatal], keys)
    if finished is None:
        return FirstBoot(BootState.BOOTING, None, errors, keys)
    uptime = float(finished.group(1))
    return FirstBoot(BootState.FAILED if errors else BootState.FINISHED, uptime, errors, keys)
