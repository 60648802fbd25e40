"""The provider's operators' namespaces, as commands: nothing is created."""

from __future__ import annotations

from pathlib import Path

import pytest

from localcloud import netns, provider
from localcloud.layout import Layout

ROUTER = "0123abcd-0000-4000-8000-000000000000"
GATEWAY = "203.0.113.17"
LLADDR = "0a:08:25:0c:59:e8"


class Recorder:
    """Stands for `netns.ip`: records every call, answers `link show` with an Ethernet link."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, tuple[str, ...]]] = []

    def __call__(self, *args: str, netns: str | None = None, check: bool = True) -> str:
        self.calls.append((netns, args))
        if args[:2] == ("-o", "link"):
            return (
                f"2: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP"
                f" mode DEFAULT group default qlen 1000\\    link/ether {LLADDR} brd"
                " ff:ff:ff:ff:ff:ff link-netns lc0-dp"
            )
        return ""


@pytest.fixture()
def made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[provider.Provider, Recorder]:
    recorder = Recorder()
    monkeypatch.setattr(netns, "ip", recorder)
    monkeypatch.setattr(netns, "exists", lambda name: False)
    monkeypatch.setattr(netns, "link_exists", lambda name, namespace: False)
    monkeypatch.setattr(netns, "add", lambda name: None)
    monkeypatch.setattr(netns, "delete", lambda name: None)
    cloud = provider.Provider.__new__(provider.Provider)
    cloud.layout = Layout(tmp_path / "state")
    cloud.allocations_file = tmp_path / "operators.json"
    cloud.allocations = {}
    monkeypatch.setattr(cloud, "internal_cidrs", lambda router_id: ["10.40.2.0/24"])
    cloud.operators_namespace(ROUTER, GATEWAY)
    return cloud, recorder


def test_the_outside_is_told_where_a_new_operators_namespace_lives(
    made: tuple[provider.Provider, Recorder],
) -> None:
    """A new namespace's addresses are pinned to its Ethernet address in the outside's ARP
    cache: an entry left by an earlier namespace with the same addresses would otherwise send
    the first packets of the hosts to the world to an address that is gone."""
    cloud, recorder = made
    outside = netns.outside(cloud.layout.state)
    pinned = [args for ns, args in recorder.calls if ns == outside and args[0] == "neigh"]
    assert pinned == [
        ("neigh", "replace", address, "lladdr", LLADDR, "dev", netns.EXT_UPLINK, "nud", "permanent")
        for address in ("10.255.0.2", "198.51.100.2")
    ]
    # Pinned once the namespace's link holds them and is up, before the outside routes to them.
    order = [args[:2] for _, args in recorder.calls]
    assert order.index(("link", "set")) < order.index(("neigh", "replace"))
    assert order.index(("neigh", "replace")) < order.index(("route", "replace"))


def test_a_namespace_dropped_takes_its_pinned_addresses_with_it(
    made: tuple[provider.Provider, Recorder],
) -> None:
    cloud, recorder = made
    recorder.calls.clear()
    cloud.drop_operators(ROUTER)
    outside = netns.outside(cloud.layout.state)
    removed = [args for ns, args in recorder.calls if ns == outside and args[0] == "neigh"]
    assert removed == [
        ("neigh", "del", address, "dev", netns.EXT_UPLINK)
        for address in ("10.255.0.2", "198.51.100.2")
    ]
    assert cloud.allocations == {}


def test_an_ethernet_address_is_read_from_ip_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netns, "ip", Recorder())
    assert netns.mac("eth0", "lc0-op-0123abcd") == LLADDR


def test_a_link_without_an_ethernet_address_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netns, "ip", lambda *args, **kwargs: "1: lo: <LOOPBACK> link/loopback")
    with pytest.raises(RuntimeError, match="no Ethernet address"):
        netns.mac("lo", "lc0-op-0123abcd")
