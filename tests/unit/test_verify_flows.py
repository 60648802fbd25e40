"""What `hubctl verify --flows` expects between tiers, derived from the declared flows."""

from __future__ import annotations

import pytest

from hubcore.stackfiles import load_layered_config
from hubctl.verify import flows
from hubctl.verify.flows import Host, allowed_in
from infra.config import validate_config
from infra.tiers import Tier

HOSTS = [
    Host("hub-local-bastion-0", "bastion", "10.40.4.10"),
    Host("hub-local-app-0", "app", "10.40.2.10"),
    Host("hub-local-data-0", "data", "10.40.3.10"),
]


@pytest.fixture(scope="module")
def config():
    return validate_config("local-compute", load_layered_config("local-compute"))


# The site's flows as the hub's design states them (README, infra/tiers.py docstring): an
# independent list, so a change to FLOWS shows up here.
@pytest.mark.parametrize(
    ("dst", "port", "source", "allowed"),
    [
        (Tier.DATA, 5432, "app", True),
        (Tier.DATA, 5432, "admin", False),
        (Tier.APP, 5432, "data", False),
        (Tier.APP, 8443, "ingress", True),
        (Tier.APP, 8443, "admin", False),
        (Tier.APP, 22, "admin", True),
        (Tier.DATA, 22, "admin", True),
        (Tier.DATA, 22, "app", False),
        (Tier.ADMIN, 22, "operators", True),
        (Tier.APP, 22, "operators", False),
        (Tier.INGRESS, 443, "world", True),
        (Tier.ADMIN, 443, "world", False),
    ],
)
def test_a_flow_is_allowed_exactly_when_it_is_declared(dst, port, source, allowed):
    assert allowed_in(dst, port, source) is allowed


def test_every_declared_tcp_port_and_the_package_proxy_are_probed(config):
    ports = flows.tcp_ports(config)
    assert {22, 443, 5432, 8443, 8888, 3142} <= set(ports)
    assert set(flows.UNDECLARED_TCP) <= set(ports)


def test_the_plan_expects_exactly_the_declared_flows_between_the_sites_hosts(config):
    probes = flows.plan(HOSTS, config, "198.51.100.2", ["operators", "world"])
    allowed = {(p.source, p.target, p.kind, p.port) for p in probes if p.expected}
    assert allowed == {
        ("hub-local-app-0", "hub-local-data-0", "tcp", 5432),
        ("hub-local-bastion-0", "hub-local-app-0", "tcp", 22),
        ("hub-local-bastion-0", "hub-local-data-0", "tcp", 22),
        ("operators", "hub-local-bastion-0", "tcp", 22),
        # Every host to the site's package proxy and NTP server, egress to HTTPS for the
        # tiers with a gateway (admin, app), never for data.
        *(
            (h.name, target, kind, port)
            for h in HOSTS
            for target, kind, port in (
                ("package proxy", "tcp", 3142),
                ("NTP 10.40.0.10", "ntp", 123),
            )
        ),
        ("hub-local-bastion-0", "world", "tcp", 443),
        ("hub-local-app-0", "world", "tcp", 443),
    }


def test_each_probe_carries_its_own_token(config):
    probes = flows.plan(HOSTS, config, "198.51.100.2", ["operators", "world"])
    assert len({p.token for p in probes}) == len(probes)


def test_without_an_outside_listener_egress_to_the_world_is_not_probed(config):
    probes = flows.plan(HOSTS, config, None, ["operators"])
    assert not [p for p in probes if p.target == "world" or p.source == "world"]
