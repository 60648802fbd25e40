"""The provider's operators' namespaces on a real Ext-Net of namespaces, without a cloud: a
router's world address answers from its first packet, also when it is an address an earlier
namespace held (a destroyed router's, whose index the next router reuses)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud import netns, provider
from localcloud.layout import Layout

pytestmark = pytest.mark.dataplane

ROUTER_ADDRESS = "203.0.113.50"
FIRST = "1111aaaa-0000-4000-8000-000000000000"
SECOND = "2222bbbb-0000-4000-8000-000000000000"


@pytest.fixture()
def cloud(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[provider.Provider, str]]:
    """A provider over the hypervisor and outside namespaces of a cloud that runs nothing, and
    the namespace of a router's gateway on their Ext-Net, routed by the outside."""
    state = tmp_path / "state"
    router = f"{netns.cloud_id(state)}-qr"
    made = [netns.dataplane(state), netns.outside(state), router]
    try:
        netns.build_dataplane(state)
        dp = netns.dataplane(state)
        netns.add(router)
        netns.ip("link", "add", "qg-test", "netns", dp, "type", "veth", "peer", "name", "qg0",
                 "netns", router)  # fmt: skip
        netns.ip("link", "set", "qg-test", "master", netns.EXT_BRIDGE, "up", netns=dp)
        netns.ip("addr", "add", f"{ROUTER_ADDRESS}/24", "dev", "qg0", netns=router)
        netns.ip("link", "set", "qg0", "up", netns=router)
        netns.ip("route", "add", "default", "via", netns.EXT_GATEWAY, netns=router)
        made += [netns.operators(state, FIRST), netns.operators(state, SECOND)]
        found = provider.Provider.__new__(provider.Provider)
        found.layout = Layout(state)
        found.allocations_file = tmp_path / "operators.json"
        found.allocations = {}
        monkeypatch.setattr(found, "internal_cidrs", lambda router_id: [])
        yield found, router
    finally:
        for name in made:
            netns.delete(name)
        netns.release_agents_folder(state)


def world_answers(namespace: str, world: str, client_namespace: str) -> float | None:
    """Seconds until a TCP connection from `client_namespace` to a listener on `world` in
    `namespace` is accepted (as a host's probe to the world: 3 s), or None."""
    with netns.entered(namespace):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with listener:
        listener.bind((world, 443))
        listener.listen(1)  # the kernel completes the handshake: no accept() needed
        with netns.entered(client_namespace):
            client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with client:
            client.settimeout(3)
            started = time.monotonic()
            try:
                client.connect((world, 443))
            except OSError:
                return None
            return time.monotonic() - started


def test_a_reused_world_address_answers_its_first_connection(
    cloud: tuple[provider.Provider, str],
) -> None:
    found, client = cloud
    state = found.layout.state
    found.operators_namespace(FIRST, ROUTER_ADDRESS)
    world = str(provider.WORLD_NET[found.allocations[FIRST]])
    assert world_answers(netns.operators(state, FIRST), world, client) is not None
    # The router goes: its namespace, and with it its link on Ext-Net, is gone.
    found.drop_operators(FIRST)
    deadline = time.monotonic() + 30
    while netns.link_exists(f"o-{FIRST[:8]}", netns.dataplane(state)):
        assert time.monotonic() < deadline, "the dropped namespace's link stayed"
        time.sleep(0.2)
    found.operators_namespace(SECOND, ROUTER_ADDRESS)
    assert str(provider.WORLD_NET[found.allocations[SECOND]]) == world
    assert world_answers(netns.operators(state, SECOND), world, client) is not None, (
        f"{world} did not answer: the outside still sent it to the dropped namespace"
    )
