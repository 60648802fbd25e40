"""Locks of a site's state: the engine's per-stack DIY locks, and hubctl's own site lock.

The engine's DIY backend writes one lock object per running update
(`.pulumi/locks/<org>/<project>/<stack>/<id>.json`: pid, username, hostname, timestamp) and
removes it at the end; a killed engine leaves it behind, and the next run of that stack fails.
It never renews a lock while an update runs, so a lock's age says nothing: a lock is *stale*
only when its owner is provably gone, which can be proved only on the owner's own host: no
process has its pid, or the process that has it started after the lock was taken (pids are
reused). On another host hubctl says who holds the lock, since when, and how to break it.

Layer locks alone would let two concurrent `up`s of one site each win a layer, and both fail
half-way. So hubctl first takes a site lock, an object of the same backend made by an atomic
create: of two writers, one wins; the other stops before touching any layer.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from hubcore import procfs
from hubctl.backend import Store

ENGINE_LOCKS = ".pulumi/locks/"
SITE_LOCKS = "hub-locks/"
# /proc gives start times to the clock tick but the boot time to the second.
START_SLACK_SECONDS = 1.5
PROC = procfs.PROC


class Verdict(Enum):
    LIVE = "live"
    STALE = "stale"
    ELSEWHERE = "held on another host"


@dataclass(frozen=True)
class LockInfo:
    key: str
    pid: int
    username: str
    hostname: str
    timestamp: datetime
    what: str = ""  # the stack, or "site <name>"
    command: str = ""
    token: str = ""

    @property
    def holder(self) -> str:
        return f"locked by pid {self.pid} on host {self.hostname} since {self.since}"

    @property
    def since(self) -> str:
        return self.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Judgement:
    lock: LockInfo
    verdict: Verdict
    reason: str


class Locked(Exception):
    """A lock stops the run; the message names holder, verdict and remedy."""

    def __init__(self, message: str, judgements: list[Judgement]) -> None:
        super().__init__(message)
        self.judgements = judgements


def parse_time(text: str) -> datetime:
    """The engine's RFC 3339 times (Go's nanoseconds cut to microseconds)."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.strip()).replace("Z", "+00:00")
    stamp = datetime.fromisoformat(text)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def parse_lock(key: str, data: bytes, what: str = "") -> LockInfo:
    body = json.loads(data)
    return LockInfo(
        key=key,
        pid=int(body["pid"]),
        username=str(body.get("username", "")),
        hostname=str(body.get("hostname", "")),
        timestamp=parse_time(str(body["timestamp"])),
        what=what,
        command=str(body.get("command", "")),
        token=str(body.get("token", "")),
    )


def process_start(pid: int, proc: Path = PROC) -> datetime | None:
    """When the live process `pid` started, or None when there is none (or only a zombie)."""
    return procfs.started_at(pid, proc)


def judge(lock: LockInfo, host: str | None = None, proc: Path = PROC) -> Judgement:
    host = host or socket.gethostname()
    if lock.hostname != host:
        return Judgement(
            lock,
            Verdict.ELSEWHERE,
            f"the owner runs on {lock.hostname}, not here ({host}): only there can one tell "
            f"whether pid {lock.pid} still runs",
        )
    started = process_start(lock.pid, proc)
    if started is None:
        return Judgement(lock, Verdict.STALE, f"no process has pid {lock.pid} on {host}")
    if (started - lock.timestamp).total_seconds() > START_SLACK_SECONDS:
        return Judgement(
            lock,
            Verdict.STALE,
            f"pid {lock.pid} now belongs to a process started at "
            f"{started:%Y-%m-%dT%H:%M:%SZ}, after the lock was taken: the owner is gone",
        )
    return Judgement(lock, Verdict.LIVE, f"pid {lock.pid} is running on {host}")


def engine_locks(store: Store, stacks: set[str]) -> list[LockInfo]:
    """The engine's lock objects of these stacks (by the stack's short name)."""
    found = []
    for key in store.keys(ENGINE_LOCKS):
        parts = key.split("/")
        if len(parts) < 3 or not key.endswith(".json") or parts[-2] not in stacks:
            continue
        data = store.read(key)
        if data is None:
            continue
        try:
            found.append(parse_lock(key, data, parts[-2]))
        except (ValueError, KeyError):  # not a lock we understand: the engine judges it
            continue
    return found


def site_lock_key(site: str) -> str:
    return f"{SITE_LOCKS}{site}.json"


def describe(judgement: Judgement, store: Store, remedy_command: str) -> str:
    lock = judgement.lock
    by = f" ({lock.command})" if lock.command else ""
    head = f"{lock.what or 'stack'}: {lock.holder}{by}, user {lock.username or '?'}"
    if judgement.verdict is Verdict.LIVE:
        return f"{head}. It is running ({judgement.reason}): wait for it to end."
    if judgement.verdict is Verdict.STALE:
        return (
            f"{head}. The lock is stale: {judgement.reason}. Remedy: {remedy_command} "
            f"(removes {store.where(lock.key)})"
        )
    return (
        f"{head}. {judgement.reason}. Once you know that process has ended (on "
        f"{lock.hostname}: `ps -p {lock.pid}`), break the lock with: "
        f"{store.remove_command(lock.key)}"
    )


Confirm = Callable[[str], bool]


def _terminal_confirm(question: str) -> bool:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    answer = input(f"{question} [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def clear_stale(
    judgements: list[Judgement],
    store: Store,
    remedy_command: str,
    break_stale: bool,
    say: Callable[[str], None],
    confirm: Confirm = _terminal_confirm,
) -> None:
    """Remove the provably stale locks when asked to (flag, or yes on a terminal); raise
    Locked, naming each lock, when any lock is left."""
    left = []
    for judgement in judgements:
        if judgement.verdict is Verdict.STALE and (
            break_stale or confirm(f"{describe(judgement, store, remedy_command)}\nBreak it?")
        ):
            store.delete(judgement.lock.key)
            say(
                f"broke the stale lock of {judgement.lock.what}: {judgement.lock.holder} "
                f"({judgement.reason})"
            )
        else:
            left.append(judgement)
    if left:
        raise Locked("\n".join(describe(j, store, remedy_command) for j in left), left)


@dataclass
class SiteLock:
    site: str
    store: Store
    token: str
    key: str

    def release(self) -> None:
        data = self.store.read(self.key)
        if data is not None and json.loads(data).get("token") == self.token:
            self.store.delete(self.key)


def _content(command: str, token: str) -> bytes:
    return json.dumps(
        {
            "pid": os.getpid(),
            "username": getpass.getuser(),
            "hostname": socket.gethostname(),
            "timestamp": datetime.now(UTC).isoformat(),
            "command": command,
            "token": token,
        }
    ).encode()


@contextmanager
def site_locked(
    site: str,
    store: Store,
    stacks: set[str],
    command: str,
    remedy_command: str,
    break_stale: bool,
    say: Callable[[str], None],
    confirm: Confirm = _terminal_confirm,
) -> Iterator[SiteLock]:
    """Hold the site lock for the block, after checking every layer's engine lock.

    Raises Locked before anything is touched when the site or one of its stacks is locked by
    a live owner, an owner on another host, or a stale owner one was not allowed to clear.
    """
    key = site_lock_key(site)
    token = os.urandom(16).hex()
    for _ in range(3):  # a broken stale lock leaves room for a new attempt
        if store.create(key, _content(command, token)):
            break
        data = store.read(key)
        if data is None:  # released between our create and our read
            continue
        try:
            held = parse_lock(key, data, f"site {site}")
        except (ValueError, KeyError):
            raise Locked(
                f"site {site}: the lock {store.where(key)} is unreadable; remove it with "
                f"{store.remove_command(key)} once no hubctl runs for this site",
                [],
            ) from None
        clear_stale([judge(held)], store, remedy_command, break_stale, say, confirm)
    else:
        raise Locked(f"site {site}: could not take the site lock {store.where(key)}", [])
    lock = SiteLock(site, store, token, key)
    try:
        judgements = [judge(found) for found in engine_locks(store, stacks)]
        clear_stale(judgements, store, remedy_command, break_stale, say, confirm)
        yield lock
    finally:
        lock.release()
