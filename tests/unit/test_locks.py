"""Locks of a site's state: what is stale, what is live, and who wins the site lock.

Expected verdicts come from the processes themselves (this test's own pid, a pid no process
has, a lock taken before the holder started), not from hubctl's reading of them.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hubctl.backend import FileStore
from hubctl.locks import (
    Locked,
    Verdict,
    engine_locks,
    judge,
    parse_lock,
    process_start,
    site_lock_key,
    site_locked,
)

HOST = socket.gethostname()
STACKS = {"local-network", "local-compute"}


def lock_bytes(pid: int, when: datetime, host: str = HOST) -> bytes:
    # The engine's own format: Go's RFC 3339 with nanoseconds.
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    return json.dumps(
        {"pid": pid, "username": "root", "hostname": host, "timestamp": stamp}
    ).encode()


def no_such_pid() -> int:
    pid = 4_000_000
    while Path(f"/proc/{pid}").exists():
        pid += 1
    return pid


def test_a_lock_of_a_running_process_is_live() -> None:
    lock = parse_lock("k", lock_bytes(os.getpid(), datetime.now(UTC)))
    assert judge(lock).verdict is Verdict.LIVE


def test_a_lock_whose_pid_no_process_has_is_stale() -> None:
    lock = parse_lock("k", lock_bytes(no_such_pid(), datetime.now(UTC)))
    assert judge(lock).verdict is Verdict.STALE


def test_a_reused_pid_does_not_keep_a_lock_alive() -> None:
    started = process_start(os.getpid())
    assert started is not None
    lock = parse_lock("k", lock_bytes(os.getpid(), started - timedelta(hours=1)))
    judgement = judge(lock)
    assert judgement.verdict is Verdict.STALE
    assert "after the lock was taken" in judgement.reason


def test_an_old_lock_of_a_live_process_is_still_live() -> None:
    # The engine never renews its lock during an update: age alone proves nothing.
    started = process_start(os.getpid())
    assert started is not None
    lock = parse_lock("k", lock_bytes(os.getpid(), started + timedelta(seconds=1)))
    assert judge(lock).verdict is Verdict.LIVE


def test_a_lock_held_on_another_host_is_not_judged_from_here() -> None:
    lock = parse_lock("k", lock_bytes(no_such_pid(), datetime.now(UTC), host="elsewhere"))
    assert judge(lock).verdict is Verdict.ELSEWHERE


def test_the_engines_lock_objects_are_found_by_stack(tmp_path: Path) -> None:
    store = FileStore(f"file://{tmp_path}")
    key = ".pulumi/locks/organization/hub/local-compute/0d6c.json"
    store.create(key, lock_bytes(123, datetime.now(UTC)))
    store.create(
        ".pulumi/locks/organization/hub/other-compute/1.json", lock_bytes(1, datetime.now(UTC))
    )
    found = engine_locks(store, STACKS)
    assert [(lock.key, lock.what, lock.pid) for lock in found] == [(key, "local-compute", 123)]


def _hold(store: FileStore) -> None:
    with site_locked("local", store, STACKS, "hubctl up", "r", False, print):
        pass


def test_a_second_run_of_a_site_is_refused_while_the_first_holds_it(tmp_path: Path) -> None:
    store = FileStore(f"file://{tmp_path}")
    ran = []
    with site_locked("local", store, STACKS, "hubctl up", "remedy", False, print):
        with (
            pytest.raises(Locked) as refused,
            site_locked("local", store, STACKS, "hubctl up", "remedy", True, print),
        ):
            ran.append("second")
        message = str(refused.value)
        assert f"locked by pid {os.getpid()} on host {HOST} since " in message
    assert ran == []
    assert store.read(site_lock_key("local")) is None  # released by its holder


def test_a_stale_site_lock_names_the_remedy_and_is_kept_without_the_flag(tmp_path: Path) -> None:
    store = FileStore(f"file://{tmp_path}")
    dead = no_such_pid()
    store.create(site_lock_key("local"), lock_bytes(dead, datetime.now(UTC)))
    with (
        pytest.raises(Locked) as refused,
        site_locked(
            "local",
            store,
            STACKS,
            "up",
            "hubctl up --site local --break-stale-lock",
            False,
            print,
            confirm=lambda question: False,
        ),
    ):
        pytest.fail("ran under a stale lock without being allowed to break it")
    assert f"locked by pid {dead} on host {HOST}" in str(refused.value)
    assert "hubctl up --site local --break-stale-lock" in str(refused.value)
    assert store.read(site_lock_key("local")) is not None


def test_break_stale_lock_removes_stale_locks_and_runs(tmp_path: Path) -> None:
    store = FileStore(f"file://{tmp_path}")
    store.create(site_lock_key("local"), lock_bytes(no_such_pid(), datetime.now(UTC)))
    engine = ".pulumi/locks/organization/hub/local-network/a.json"
    store.create(engine, lock_bytes(no_such_pid(), datetime.now(UTC)))
    ran = []
    with site_locked("local", store, STACKS, "up", "r", True, print):
        ran.append("up")
    assert ran == ["up"]
    assert store.read(engine) is None


def test_a_live_engine_lock_is_never_broken(tmp_path: Path) -> None:
    store = FileStore(f"file://{tmp_path}")
    engine = ".pulumi/locks/organization/hub/local-network/a.json"
    store.create(engine, lock_bytes(os.getpid(), datetime.now(UTC)))
    with (
        pytest.raises(Locked, match=f"locked by pid {os.getpid()}"),
        site_locked("local", store, STACKS, "up", "r", True, print),
    ):
        pytest.fail("ran while a live engine held a layer")
    assert store.read(engine) is not None


def test_a_lock_held_elsewhere_is_never_broken_and_says_how_to(tmp_path: Path) -> None:
    store = FileStore(f"file://{tmp_path}")
    store.create(site_lock_key("local"), lock_bytes(77, datetime.now(UTC), host="ci-runner-3"))
    with (
        pytest.raises(Locked) as refused,
        site_locked("local", store, STACKS, "up", "r", True, print),
    ):
        pytest.fail("broke a lock of another host")
    message = str(refused.value)
    assert "locked by pid 77 on host ci-runner-3" in message
    assert f"rm {tmp_path / site_lock_key('local')}" in message


def _create(args: tuple[str, int]) -> bool:
    root, index = args
    return FileStore(f"file://{root}").create("hub-locks/local.json", str(index).encode())


def test_of_many_simultaneous_creates_exactly_one_wins(tmp_path: Path) -> None:
    with multiprocessing.Pool(8) as pool:
        won = pool.map(_create, [(str(tmp_path), i) for i in range(32)])
    assert won.count(True) == 1


def test_a_half_written_sidecar_and_a_dead_writers_temp_file_are_removed(tmp_path: Path) -> None:
    stacks = tmp_path / ".pulumi/stacks/hub"
    stacks.mkdir(parents=True)
    (stacks / "local-network.json").write_text("{}")
    (stacks / "local-network.json.attrs").write_text("")  # killed in the sidecar's write
    (stacks / "local-kms.json.attrs").write_text('{"user.content_type": "application/json"}')
    (stacks / "local-network.json.18ed51b2df5bb775.tmp").write_text("{")
    removed = FileStore(f"file://{tmp_path}").repair()
    assert sorted(removed) == [
        ".pulumi/stacks/hub/local-network.json.18ed51b2df5bb775.tmp",
        ".pulumi/stacks/hub/local-network.json.attrs",
    ]
    assert (stacks / "local-kms.json.attrs").exists()
    assert (stacks / "local-network.json").exists()
