"""What `hubctl verify` needs of a deployed site: its config, its hosts, and SSH to them.

Only the site's stack outputs and SSH through its bastion are used, so it works the same against
the local cloud and an OVH site (where the operators' VPN is the way in).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hubctl.cloud import project_of
from hubctl.cloud.api import Connection
from hubctl.drill.model import Check
from hubctl.hosts import site as site_hosts
from hubctl.verify import flows, hostsuite
from hubctl.verify.model import Case
from infra.config import HubConfig


class VerifyError(RuntimeError):
    """The site cannot be verified (not deployed, hosts unreachable): said before anything ran."""


@dataclass
class Verification:
    config: HubConfig
    hosts: site_hosts.SiteHosts
    data_volumes: dict[str, str]

    def targets(self) -> list[flows.Host]:
        return [
            flows.Host(name, role, self.hosts.addresses[name])
            for role, names in self.hosts.roles.items()
            for name in names
            if self.hosts.addresses.get(name)
        ]

    def check_hosts(self, say: Callable[[str], None]) -> list[Case]:
        access = self.hosts.access
        assert access is not None
        return hostsuite.check(
            [(t.name, t.role, t.address) for t in self.targets()],
            lambda name, role: hostsuite.settings_for(
                self.config, role, access, self.data_volumes.get(name)
            ),
            access,
            say,
        )

    def check_flows(self, say: Callable[[str], None]) -> list[Case]:
        access = self.hosts.access
        assert access is not None
        return flows.run(self.targets(), self.config, access, say)


def data_volumes(conn: Connection, prepared: site_hosts.SiteHosts) -> dict[str, str]:
    """Each data host's data volume id (its hardening names the disk after it)."""
    project = project_of(conn)
    found = {}
    for name in prepared.roles.get("data", []):
        volume = project.volume_id(f"{name}-data")
        if volume is not None:
            found[name] = volume
    return found


def from_hosts(conn: Connection, config: HubConfig, prepared: site_hosts.SiteHosts) -> Verification:
    return Verification(config, prepared, data_volumes(conn, prepared))


def as_checks(layer: str, cases: list[Case]) -> list[Check]:
    """Cases as drill checks: one per host and measure; flows one per pair of tiers (the
    failures named), so the report stays readable."""
    if layer != "network":
        return [
            Check(layer=layer, name=f"{c.suite}: {c.name}", passed=c.passed, detail=c.message[:300])
            for c in cases
        ]
    by_suite: dict[str, list[Case]] = {}
    for case in cases:
        by_suite.setdefault(case.suite, []).append(case)
    checks = []
    for suite, members in by_suite.items():
        bad = [f"{c.name} ({c.message})" for c in members if not c.passed]
        detail = "; ".join(bad[:8]) or f"{len(members)} probes as declared"
        checks.append(Check(layer=layer, name=suite, passed=not bad, detail=detail))
    return checks


def load(
    site: str,
    conn: Connection,
    config: HubConfig,
    compute: Mapping[str, Any],
    say: Callable[[str], None],
) -> Verification:
    if not compute.get("instances"):
        raise VerifyError(f"--site {site}: its compute layer has no hosts (deploy it first)")
    prepared = site_hosts.prepare(site, conn, compute, wait=False, say=say)
    if prepared.access is None:
        raise VerifyError(
            f"--site {site}: no bastion address or administrators' key in its outputs"
        )
    unbooted = [b.line() for b in prepared.boots if not b.ok]
    if unbooted:
        raise VerifyError(
            f"--site {site}: hosts without a finished first boot: {'; '.join(unbooted)}"
        )
    return from_hosts(conn, config, prepared)
