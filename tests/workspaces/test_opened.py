"""Range allocation from the site's pool, and the stack file `open` writes."""

from __future__ import annotations

import threading
from ipaddress import IPv4Network
from pathlib import Path

import pytest
import yaml

from hubcore.values import ConfigError
from hubctl.workspaces.opened import (
    allocate,
    allocation_lock,
    opened_workspaces,
    range_for,
    write_stack_file,
)
from infra.config import WorkspaceSpec
from tests.workspaces.conftest import base_manifest

POOL = IPv4Network("10.41.0.0/16")


def spec(project: str, cidr: str) -> WorkspaceSpec:
    return WorkspaceSpec.model_validate({**base_manifest(project), "cidr": cidr})


def test_the_first_free_range_is_taken() -> None:
    taken = [IPv4Network("10.41.0.0/24"), IPv4Network("10.41.2.0/24")]
    assert allocate(POOL, taken) == IPv4Network("10.41.1.0/24")


def test_a_range_overlapping_a_larger_one_is_skipped() -> None:
    # A hand-edited /23 covers 10.41.0.0 and 10.41.1.0: the next free /24 is 10.41.2.0.
    assert allocate(POOL, [IPv4Network("10.41.0.0/23")]) == IPv4Network("10.41.2.0/24")


def test_a_full_pool_is_a_config_error() -> None:
    small = IPv4Network("10.41.0.0/23")
    with pytest.raises(ConfigError, match="is full"):
        allocate(small, list(small.subnets(new_prefix=24)))


def test_a_rerun_keeps_the_range_and_others_never_overlap(tmp_path: Path) -> None:
    write_stack_file("local", spec("aaa", "10.41.0.0/24"), tmp_path)
    write_stack_file("local", spec("bbb", "10.41.1.0/24"), tmp_path)
    assert range_for("local", "aaa", POOL, tmp_path) == IPv4Network("10.41.0.0/24")
    assert range_for("local", "ccc", POOL, tmp_path) == IPv4Network("10.41.2.0/24")


def test_parallel_opens_get_distinct_ranges(tmp_path: Path) -> None:
    got: dict[str, IPv4Network] = {}

    def open_one(project: str) -> None:
        with allocation_lock(tmp_path):
            cidr = range_for("local", project, POOL, tmp_path)
            write_stack_file("local", spec(project, str(cidr)), tmp_path)
            got[project] = cidr

    threads = [threading.Thread(target=open_one, args=(f"p{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ranges = list(got.values())
    assert len(set(ranges)) == 8
    assert not any(a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1 :])


def test_an_unreadable_stack_file_stops_allocation(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.local-ws-odd.yaml").write_text("config: {hub:workspace: 12}\n")
    with pytest.raises(ConfigError, match="cannot allocate a range safely"):
        range_for("local", "new", POOL, tmp_path)


def test_rewriting_keeps_the_salt_and_the_secret(tmp_path: Path) -> None:
    path = write_stack_file("local", spec("aaa", "10.41.0.0/24"), tmp_path)
    data = yaml.safe_load(path.read_text())
    data["encryptionsalt"] = "v1:salt"
    data["config"]["hub:memberPasswords"] = {"secure": "v1:cipher"}
    path.write_text(yaml.safe_dump(data))
    changed = spec("aaa", "10.41.0.0/24").model_copy(update={"title": "Renamed"})
    write_stack_file("local", changed, tmp_path)
    again = yaml.safe_load(path.read_text())
    assert again["encryptionsalt"] == "v1:salt"
    assert again["config"]["hub:memberPasswords"] == {"secure": "v1:cipher"}
    assert again["config"]["hub:workspace"]["title"] == "Renamed"
    assert again["config"]["hub:workspace"]["expires"] == "2030-12-31"  # a string, not a date


def test_other_sites_with_a_similar_name_are_not_this_sites(tmp_path: Path) -> None:
    write_stack_file("local", spec("aaa", "10.41.0.0/24"), tmp_path)
    (tmp_path / "Pulumi.local-dr-ws-bbb.yaml").write_text("config: {}\n")
    assert set(opened_workspaces("local", tmp_path)) == {"aaa"}
