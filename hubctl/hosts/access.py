"""SSH to a site's hosts as its operators do: through the bastion, from the operators' network.

hubctl writes, per site, under `.state/ssh/<site>/`: the administrators' key (the compute
stack's secret output), `known_hosts` with each host's keys as its own console printed them at
first boot, kept across the host's later boots, which print none (so no host key is ever
accepted blindly), and an OpenSSH `config` in which every
host but the bastion is reached with `ProxyJump` through the bastion. That is all `ssh -F
config -J hubadmin@BASTION hubadmin@HOST` and the host suite need, on any cloud.

Where the operators' network is reached is the one thing that differs. On a real site it is the
operators' VPN, already up on their machine: nothing to add. The local cloud plays that VPN with
a network namespace per edge router on its private Ext-Net (localcloud/provider.py); when one
exists for the site's edge router, the bastion is reached through it (`ProxyCommand ip netns
exec NS nc %h %p`): only that connection enters the namespace, the rest of ssh runs here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hubcore.paths import REPO_ROOT

ADMIN_USER = "hubadmin"  # as infra.layers.compute creates it
# Where each site's access files go; HUB_SSH_DIR moves them (a test session's own sites).
SSH_DIR_ENV = "HUB_SSH_DIR"


def ssh_root() -> Path:
    return Path(os.environ.get(SSH_DIR_ENV) or REPO_ROOT / ".state" / "ssh")


NETNS_DIR = Path("/run/netns")


@dataclass(frozen=True)
class SiteAccess:
    """The files that let ssh reach a site's hosts, and the line a person types."""

    site: str
    folder: Path
    bastion: str
    netns: str | None
    # Hosts whose keys are known neither from their console nor from before: ssh refuses them.
    without_keys: tuple[str, ...] = ()

    @property
    def config(self) -> Path:
        return self.folder / "config"

    def ssh(self, host: str, *command: str) -> list[str]:
        """argv of an ssh to `host` (the bastion itself, or any host through it)."""
        jump = [] if host == self.bastion else ["-J", f"{ADMIN_USER}@{self.bastion}"]
        return ["ssh", "-F", str(self.config), *jump, f"{ADMIN_USER}@{host}", *command]

    def hint(self, host: str) -> str:
        """The command line to print: the config by a path relative to here when it can be."""
        config = self.config
        try:
            shown = str(config.relative_to(Path.cwd()))
        except ValueError:
            shown = str(config)
        return f"ssh -F {shown} -J {ADMIN_USER}@{self.bastion} {ADMIN_USER}@{host}"


def operators_namespace(router_id: str | None, netns_dir: Path = NETNS_DIR) -> str | None:
    """The local cloud's operators' namespace of this edge router, if this machine has one."""
    if not router_id or not netns_dir.is_dir():
        return None
    found = sorted(p.name for p in netns_dir.glob(f"*-op-{router_id[:8]}"))
    return found[0] if found else None


def _known_hosts(
    known: Path, hosts: Mapping[str, str], host_keys: Mapping[str, list[str]]
) -> list[str]:
    """The known_hosts lines: each host's keys as its console printed them. A host whose console
    shows none keeps the keys learned before: cloud-init prints them at an instance's first boot
    only, so a host restarted since (its hypervisor stopped under it) shows none, yet still has
    them. A host that shows keys replaces its old ones (a rebuilt host at the same address)."""
    shown = {address for address, lines in host_keys.items() if lines}
    kept = []
    if known.is_file():
        for line in known.read_text().splitlines():
            address = line.split(" ", 1)[0]
            if address in hosts and address not in shown:
                kept.append(line + "\n")
    return kept + [f"{address} {line}\n" for address, lines in host_keys.items() for line in lines]


def write(
    site: str,
    bastion: str,
    hosts: Mapping[str, str],
    private_key: str,
    host_keys: Mapping[str, list[str]],
    netns: str | None,
    root: Path | None = None,
) -> SiteAccess:
    """Write the site's key, known_hosts and config; `hosts` maps addresses to names."""
    folder = (root or ssh_root()) / site
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    os.chmod(folder.parent, 0o700)
    key = folder / "admin.key"
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(private_key if private_key.endswith("\n") else private_key + "\n")
    known = folder / "known_hosts"
    known_lines = _known_hosts(known, hosts, host_keys)
    known.write_text("".join(known_lines))
    with_keys = {line.split(" ", 1)[0] for line in known_lines}
    common = [
        f"    User {ADMIN_USER}",
        f"    IdentityFile {key}",
        "    IdentitiesOnly yes",
        f"    UserKnownHostsFile {known}",
        "    StrictHostKeyChecking yes",
        "    ConnectTimeout 20",
        "    ServerAliveInterval 15",
        # One connection per host, shared by every command (the host suite runs dozens):
        # each new handshake costs seconds on a guest under emulation, twice through the jump.
        "    ControlMaster auto",
        f"    ControlPath {folder}/mux-%C",
        "    ControlPersist 120s",
    ]
    lines = [f"# Written by hubctl for the site {site}: its hosts, reached through its bastion."]
    lines += [f"Host {bastion}", f"    # {hosts.get(bastion, 'bastion')}", *common]
    if netns:
        lines.append(f"    ProxyCommand ip netns exec {netns} nc %h %p")
    for address, name in sorted(hosts.items()):
        if address != bastion:
            lines += [f"Host {address}", f"    # {name}", *common]
            lines.append(f"    ProxyJump {ADMIN_USER}@{bastion}")
    (folder / "config").write_text("\n".join(lines) + "\n")
    return SiteAccess(
        site=site,
        folder=folder,
        bastion=bastion,
        netns=netns,
        without_keys=tuple(sorted(a for a in hosts if a not in with_keys)),
    )
