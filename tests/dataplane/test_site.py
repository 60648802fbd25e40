"""A booted `local` site: reached as printed, its hardening and its flows checked for real, and
both of its filters (security groups, host firewalls) shown to hold on their own."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hubcore.stackfiles import load_layered_config
from hubctl.verify import flows
from infra.config import validate_config
from infra.hardening import measures_for
from infra.tiers import HostRole
from tests.dataplane.conftest import BootedSite, run

pytestmark = pytest.mark.dataplane

ROLES = {"hub-local-bastion-0": "bastion", "hub-local-app-0": "app", "hub-local-data-0": "data"}
# A port nothing declares, opened behind Pulumi's back on one layer, then on both.
ROGUE_PORT = 3306


def test_up_waits_for_every_hosts_hardened_first_boot(booted_site: BootedSite):
    for name, role in ROLES.items():
        assert re.search(
            rf"{name} \({role}\): hardened first boot finished in \d+ s", booted_site.up.stdout
        )


def test_the_printed_ssh_line_reaches_the_app_host(booted_site: BootedSite):
    done = run([*booted_site.hint, "hostname"], booted_site.env, 300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "hub-local-app-0"


def test_verify_hosts_passes_with_one_case_per_host_and_measure(
    booted_site: BootedSite, tmp_path: Path
):
    status, cases = booted_site.verify("--hosts", output=tmp_path / "hosts.xml")
    failures = [(c.get("classname"), c.get("name")) for c in cases if c.find("failure") is not None]
    assert status == 0, failures
    per_host = Counter(c.get("classname") for c in cases)
    assert per_host == {
        f"{name} ({role})": len(measures_for(HostRole(role))) for name, role in ROLES.items()
    }


def _flow_cases(booted_site: BootedSite, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    status, cases = booted_site.verify("--flows", output=tmp_path / "flows.xml")
    return status, {str(c.get("name")): c for c in cases}


def test_verify_flows_observes_exactly_the_declared_flows(booted_site: BootedSite, tmp_path: Path):
    status, cases = _flow_cases(booted_site, tmp_path)
    failed = {
        name: c.find("failure").get("message")
        for name, c in cases.items()
        if c.find("failure") is not None
    }
    assert status == 0, failed
    config = validate_config("local-compute", load_layered_config("local-compute"))
    hosts = [flows.Host(n, r, a) for n, a in booted_site.addresses().items() for r in [ROLES[n]]]
    assert len(cases) == len(flows.plan(hosts, config, "198.51.100.2", ["operators", "world"]))


@pytest.fixture
def rogue_group_rule(booted_site: BootedSite, connection: Any):
    """The security groups opened for bastion -> app on ROGUE_PORT, as no stack declares: the
    app tier's ingress from the admin tier and the admin tier's matching egress (the hub's
    groups filter both ways, so one rule alone opens nothing)."""
    own = connection.current_project_id
    groups = {g.name: g for g in connection.network.security_groups(project_id=own)}
    rules = [
        connection.network.create_security_group_rule(
            security_group_id=groups[owner].id,
            direction=direction,
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=ROGUE_PORT,
            port_range_max=ROGUE_PORT,
            remote_group_id=groups[peer].id,
            description="opened behind Pulumi's back by the data-plane tier",
        )
        for owner, direction, peer in (
            ("hub-local-app", "ingress", "hub-local-admin"),
            ("hub-local-admin", "egress", "hub-local-app"),
        )
    ]
    yield rules
    for rule in rules:
        connection.network.delete_security_group_rule(rule, ignore_missing=True)


@pytest.fixture
def rogue_host_rule(booted_site: BootedSite):
    """An accept on the app host's own firewall that its hardening does not have."""
    app = booted_site.addresses()["hub-local-app-0"]
    done = booted_site.ssh(
        app, f"sudo -n nft insert rule inet hub_filter input tcp dport {ROGUE_PORT} accept"
    )
    assert done.returncode == 0, done.stderr
    yield
    restored = booted_site.ssh(app, "sudo -n systemctl restart nftables")
    assert restored.returncode == 0, restored.stderr


ROGUE_FLOW = f"hub-local-bastion-0 -> hub-local-app-0 tcp/{ROGUE_PORT}"


def test_a_security_group_opened_alone_does_not_open_the_flow(
    booted_site, rogue_group_rule, tmp_path
):
    status, cases = _flow_cases(booted_site, tmp_path)
    assert cases[ROGUE_FLOW].find("failure") is None
    assert status == 0


def test_a_host_firewall_opened_alone_does_not_open_the_flow(
    booted_site, rogue_host_rule, tmp_path
):
    status, cases = _flow_cases(booted_site, tmp_path)
    assert cases[ROGUE_FLOW].find("failure") is None
    assert status == 0


def test_a_flow_opened_on_both_layers_is_reported(
    booted_site, rogue_group_rule, rogue_host_rule, tmp_path
):
    status, cases = _flow_cases(booted_site, tmp_path)
    failure = cases[ROGUE_FLOW].find("failure")
    assert failure is not None and failure.get("message") == "not declared, but received"
    assert status == 1
