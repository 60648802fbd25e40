"""Neutron's agents keep their namespaces in their cloud's own folder (localcloud.netns), without
a cloud: what `services.in_dataplane(own_netns=True)` runs sees only that folder as /run/netns,
and what it makes there is seen outside under the folder's path, not in the machine's
/run/netns, where another cloud's L3 agent would find it and unplug it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud import netns
from localcloud.layout import Layout
from localcloud.services import in_dataplane

pytestmark = pytest.mark.dataplane

ROUTER = "qrouter-00000000-agents-netns-test"


@pytest.fixture()
def cloud(tmp_path: Path) -> Iterator[Layout]:
    """A cloud's hypervisor namespace and agents' folder, with nothing running."""
    layout = Layout(tmp_path / "state")
    netns.add(netns.dataplane(layout.state))
    netns.share_agents_folder(layout.state)
    try:
        yield layout
    finally:
        netns.delete(netns.agents_folder(layout.state) / ROUTER)
        netns.release_agents_folder(layout.state)
        netns.delete(netns.dataplane(layout.state))


def as_agent(layout: Layout, *argv: str) -> str:
    done = subprocess.run(
        in_dataplane(layout, list(argv), own_netns=True),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_namespace_an_agent_makes_is_in_its_clouds_folder_only(cloud: Layout) -> None:
    as_agent(cloud, "ip", "netns", "add", ROUTER)
    made = netns.agents_folder(cloud.state) / ROUTER
    assert netns.mounted(made)
    assert not netns.exists(ROUTER)


def test_an_agent_lists_its_clouds_namespaces_and_no_other(cloud: Layout) -> None:
    as_agent(cloud, "ip", "netns", "add", ROUTER)
    listed = as_agent(cloud, "ip", "netns", "list").split()
    assert ROUTER in listed
    assert netns.dataplane(cloud.state) not in listed  # a namespace of the machine's /run/netns


def test_a_namespace_of_the_folder_is_entered_and_deleted_by_its_path(cloud: Layout) -> None:
    as_agent(cloud, "ip", "netns", "add", ROUTER)
    made = netns.agents_folder(cloud.state) / ROUTER
    assert "lo" in netns.ip("-o", "link", netns=made)
    netns.delete(made)
    assert not made.exists()


def test_stale_files_of_an_unmounted_folder_are_removed_when_it_is_shared(tmp_path: Path) -> None:
    state = tmp_path / "state"
    folder = netns.agents_folder(state)
    folder.mkdir(parents=True)
    (folder / "qrouter-left-by-a-restarted-machine").touch()
    netns.share_agents_folder(state)
    try:
        assert netns.mounted(folder) and netns.names(folder) == []
    finally:
        netns.release_agents_folder(state)
    assert not netns.mounted(folder)
