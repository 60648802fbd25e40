"""A deployed site's hosts: names by role, addresses, first boots, and how to reach them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hubctl.cloud import hosts_of, project_of
from hubctl.cloud.api import Connection
from hubctl.hosts import access, boot


@dataclass
class SiteHosts:
    site: str
    roles: dict[str, list[str]]
    addresses: dict[str, str]
    access: access.SiteAccess | None
    boots: list[boot.HostBoot] = field(default_factory=list)

    @property
    def failed(self) -> list[boot.HostBoot]:
        return [b for b in self.boots if not b.ok]

    def role_of(self, name: str) -> str:
        return next(role for role, names in self.roles.items() if name in names)

    def hint(self) -> str | None:
        """The `ssh -F ... -J` line to a host behind the bastion, once access is written."""
        if self.access is None:
            return None
        # The app host first (the one a newcomer wants), then any other behind the bastion.
        order = {"app": 0, "bastion": 2}
        others = [
            a
            for n, a in sorted(
                self.addresses.items(), key=lambda i: order.get(self.role_of(i[0]), 1)
            )
            if self.role_of(n) != "bastion" and a
        ]
        return self.access.hint(others[0] if others else self.access.bastion)


def prepare(
    site: str,
    conn: Connection,
    compute: Mapping[str, Any],
    *,
    wait: bool,
    timeout_s: float = boot.DEFAULT_TIMEOUT_S,
    say: Callable[[str], None] = print,
) -> SiteHosts:
    """Wait for (or read) every host's first boot, then write the site's SSH access files."""
    roles: dict[str, list[str]] = {
        str(role): [str(n) for n in names] for role, names in dict(compute["instances"]).items()
    }
    boots = (
        boot.wait(hosts_of(conn), roles, timeout_s=timeout_s, say=say)
        if wait
        else boot.read_once(hosts_of(conn), roles)
    )
    names = [name for group in roles.values() for name in group]
    project = project_of(conn)
    addresses = project.host_addresses(names)
    bastions = [addresses[n] for n in roles.get("bastion", []) if addresses.get(n)]
    key = compute.get("admin_private_key")
    site_access = None
    if bastions and isinstance(key, str) and key:
        netns = access.operators_namespace(project.edge_router_id(site))
        names_of = {address: name for name, address in addresses.items() if address}
        site_access = access.write(
            site,
            bastions[0],
            names_of,
            key,
            {addresses[b.name]: b.host_keys for b in boots if addresses.get(b.name)},
            netns,
        )
        for address in site_access.without_keys:
            say(
                f"{names_of[address]} ({address}): no host key known, none on its "
                f"console since its first boot and none in {site_access.folder / 'known_hosts'}:"
                " ssh refuses it until its key is added there"
            )
    return SiteHosts(site, roles, addresses, site_access, boots)
