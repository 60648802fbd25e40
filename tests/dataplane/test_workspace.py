"""Research workspaces on the booted site: each host boots hardened, its member reaches it
through the bastion, and from it reaches the site's package proxy and time source and nothing
else: neither the other workspace, nor a host of the site's tiers, nor the operators' network,
nor the world outside.

Two workspaces (the two example manifests of projects/local/, under ids of this module, each
with one member whose key the test made) are opened with `hubctl workspace open --wait-hosts`
beside the booted site, and closed at the end. The probes run on a workspace host as its member,
unprivileged, with the flow agent of `hubctl verify --flows`. A TCP probe *reached* its target
when the handshake completed or the target's kernel answered with a reset; a probe that times
out (or that the host's own firewall refuses to send) did not. The targets are alive: the same
probes from the bastion open SSH on both workspace hosts, and every site host's SSH is reached
by the site's own tests.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import STACKS_DIR_VARIABLE
from hubctl.hosts import console
from hubctl.verify import flows
from hubctl.workspaces.common import REPORTS_ENV
from hubctl.workspaces.manifest import PROJECTS_ENV
from infra.tiers import FLOWS, SSH_PORT
from tests.dataplane.conftest import HUBCTL, SITE, BootedSite, run
from tests.private_stacks import copy_stacks

pytestmark = pytest.mark.dataplane

SUFFIX = secrets.token_hex(3)
EXAMPLES = {"diabetes-cohort": f"dp-cohort-{SUFFIX}", "claims-pathways": f"dp-claims-{SUFFIX}"}
MEMBER = "analyst1"
# The provider services of the local site (stacks/sites.yaml: hub:aptProxy, hub:ntpServers).
PROVIDER = "10.40.0.10"
PROXY_PORT = 3142
# Every TCP port the hub declares anywhere, HTTPS, the proxy's, and ports nothing declares.
PORTS = sorted(
    {flow.port for flow in FLOWS} | {flows.HTTPS, PROXY_PORT} | set(flows.UNDECLARED_TCP)
)
REACHED = {"open", "refused", "answered"}


@dataclass
class Workspace:
    project: str
    opened: subprocess.CompletedProcess[str]
    host: str = ""
    address: str = ""
    host_keys: tuple[str, ...] = ()


def _manifest(example: str, project: str, public_key: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (REPO_ROOT / "projects" / "local" / f"{example}.yaml").read_text()
    )
    data["id"] = project
    first = data["members"][0]
    data["members"] = [{**first, "id": MEMBER, "sshPublicKey": public_key}]
    return data


@pytest.fixture(scope="module")
def member_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = tmp_path_factory.mktemp("member") / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", MEMBER, "-f", str(key)], check=True
    )
    return key


@pytest.fixture(scope="module")
def workspaces(
    booted_site: BootedSite,
    member_key: Path,
    admin_connection: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Workspace]]:
    root = tmp_path_factory.mktemp("workspaces")
    public_key = member_key.with_suffix(".pub").read_text().strip()
    for example, project in EXAMPLES.items():
        path = root / "projects" / SITE / f"{project}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(_manifest(example, project, public_key), sort_keys=False))
    env = {
        **booted_site.env,
        PROJECTS_ENV: str(root / "projects"),
        REPORTS_ENV: str(root),
        STACKS_DIR_VARIABLE: str(copy_stacks(root)),
    }

    def open_one(project: str) -> Workspace:
        argv = [HUBCTL, "workspace", "open", "--site", SITE, "--project", project, "--wait-hosts"]
        return Workspace(project, run(argv, env))

    try:
        with ThreadPoolExecutor(max_workers=len(EXAMPLES)) as pool:
            opened = {w.project: w for w in pool.map(open_one, EXAMPLES.values())}
        for workspace in opened.values():
            done = workspace.opened
            assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
            _locate(admin_connection, workspace)
        yield opened
    finally:
        with ThreadPoolExecutor(max_workers=len(EXAMPLES)) as pool:
            closed = list(pool.map(lambda p: _close(p, env), EXAMPLES.values()))
        failed = [c.stdout[-3000:] + c.stderr[-2000:] for c in closed if c and c.returncode != 0]
        assert not failed, failed


def _close(project: str, env: dict[str, str]) -> subprocess.CompletedProcess[str] | None:
    """Close a workspace this module opened (None if it never got a stack file)."""
    stack_file = Path(env[STACKS_DIR_VARIABLE]) / f"Pulumi.{SITE}-ws-{project}.yaml"
    if not stack_file.exists():
        return None
    try:
        return run([HUBCTL, "workspace", "close", "--site", SITE, "--project", project], env)
    finally:
        stack_file.unlink(missing_ok=True)


def _locate(admin: Any, workspace: Workspace) -> None:
    """The workspace's one host, its address and its host keys as its console printed them."""
    found = [
        s
        for s in admin.compute.servers(all_projects=True)
        if s.name.startswith(f"hub-{SITE}-ws-{workspace.project}-")
    ]
    assert len(found) == 1, [s.name for s in found]
    server = found[0]
    addresses = [a["addr"] for nets in server.addresses.values() for a in nets]
    assert len(addresses) == 1, server.addresses
    text = admin.compute.get_server_console_output(server)["output"] or ""
    workspace.host, workspace.address = server.name, addresses[0]
    workspace.host_keys = tuple(console.read(text).host_keys)
    assert workspace.host_keys, f"{server.name}: no host key on its console"


def _member_ssh(
    site: BootedSite, workspace: Workspace, key: Path, known: Path, command: str
) -> subprocess.CompletedProcess[str]:
    """ssh to the workspace host as its member, jumping through the bastion as an operator,
    the host's key pinned from its console."""
    known.write_text("".join(f"{workspace.address} {line}\n" for line in workspace.host_keys))
    bastion = _bastion(site)
    argv = [
        "ssh", "-F", str(site.ssh_dir / SITE / "config"), "-J", f"hubadmin@{bastion}",
        "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", f"UserKnownHostsFile={known}",
        "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=30",
        f"{MEMBER}@{workspace.address}", command,
    ]  # fmt: skip
    return run(argv, site.env, 600)


def _probe_command(probes: list[list[object]]) -> str:
    return " ".join(
        shlex.quote(a) for a in ["python3", "-c", flows.AGENT, "probe", json.dumps(probes)]
    )


def _outcomes(text: str) -> dict[str, str]:
    """token -> how its probe ended, from the agent's `sent` line (read as verify --flows does)."""
    return {str(item[3]): str(item[5]) for item in flows._json_line(text, "sent")}


def _bastion(site: BootedSite) -> str:
    return next(address for name, address in site.addresses().items() if "bastion" in name)


def _world_and_operators(site: BootedSite) -> list[str]:
    """The operators' network's addresses (an operator's, the world's) on the site's Ext-Net."""
    found = re.search(
        r"ProxyCommand ip netns exec (\S+) ", (site.ssh_dir / SITE / "config").read_text()
    )
    assert found, "the site's access has no operators' namespace"
    world, operators = flows._outside_addresses(found.group(1))
    return [a for a in (world, operators) if a]


def test_each_workspace_host_finishes_its_hardened_first_boot(workspaces: dict[str, Workspace]):
    for workspace in workspaces.values():
        assert re.search(
            rf"{re.escape(workspace.host)} \(workspace\): hardened first boot finished in \d+ s",
            workspace.opened.stdout,
        ), workspace.opened.stdout[-3000:]


def test_the_member_logs_in_through_the_bastion_without_sudo(
    booted_site: BootedSite, workspaces: dict[str, Workspace], member_key: Path, tmp_path: Path
):
    workspace = next(iter(workspaces.values()))
    done = _member_ssh(
        booted_site, workspace, member_key, tmp_path / "known_hosts",
        "hostname; id -nG; sudo -n true && echo SUDO || echo NOSUDO",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    hostname, groups, sudo = done.stdout.split("\n")[:3]
    assert hostname == workspace.host
    assert "hub-analysts" in groups.split()
    assert sudo == "NOSUDO"


def test_the_bastion_reaches_both_workspace_hosts(
    booted_site: BootedSite, workspaces: dict[str, Workspace]
):
    """The other tests' targets are alive: SSH opens from where FLOWS lets it."""
    probes: list[list[object]] = [
        [w.address, "tcp", SSH_PORT, f"bastion:{n}"] for n, w in enumerate(workspaces.values())
    ]
    bastion = _bastion(booted_site)
    done = booted_site.ssh(bastion, _probe_command(probes))
    assert done.returncode == 0, done.stderr[-2000:]
    assert set(_outcomes(done.stdout).values()) == {"open"}, done.stdout[-1000:]


def test_the_running_bastion_reaches_them_through_its_gateway(
    booted_site: BootedSite, workspaces: dict[str, Workspace]
):
    """The bastion booted before the workspaces: its routes (from the config drive, read at its
    first boot) hold none to them, so the path above is its default gateway, the site's edge
    router, which routes each workspace's range to that workspace's admin leg."""
    bastion = _bastion(booted_site)
    command = " && ".join(f"ip -o route get {w.address}" for w in workspaces.values())
    done = booted_site.ssh(bastion, command)
    assert done.returncode == 0, done.stderr[-2000:]
    # local's admin tier is 10.40.4.0/24 (stacks/sites.yaml); its gateway, the edge router's
    # leg, is the subnet's first address.
    hops = re.findall(r" via (\S+) ", done.stdout)
    assert hops == ["10.40.4.1"] * len(workspaces), done.stdout


def test_a_workspace_host_reaches_only_the_proxy_and_the_time_source(
    booted_site: BootedSite, workspaces: dict[str, Workspace], member_key: Path, tmp_path: Path
):
    source, other = workspaces.values()
    targets: dict[str, str] = {f"site {n}": a for n, a in booted_site.addresses().items()}
    targets[f"workspace {other.project}"] = other.address
    for address in _world_and_operators(booted_site):
        targets[f"outside {address}"] = address
    probes: list[list[object]] = []
    expected: dict[str, tuple[str, bool]] = {}

    def add(what: str, address: str, kind: str, port: int, allowed: bool) -> None:
        token = f"ws:{len(probes)}"
        probes.append([address, kind, port, token])
        expected[token] = (f"{what} {kind}/{port}", allowed)

    for what, address in targets.items():
        for port in PORTS:
            add(what, address, "tcp", port, False)
    add("package proxy", PROVIDER, "tcp", PROXY_PORT, True)
    add("time source", PROVIDER, "ntp", 123, True)
    done = _member_ssh(
        booted_site, source, member_key, tmp_path / "known_hosts", _probe_command(probes)
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcomes = _outcomes(done.stdout)
    wrong = {
        name: outcomes.get(token, "not sent")
        for token, (name, allowed) in expected.items()
        if (outcomes.get(token) in REACHED) != allowed
    }
    assert not wrong, wrong
    # Every site tier, the other workspace and the outside were each probed on every port.
    assert len(targets) == 3 + 1 + 2
    assert len(probes) == len(targets) * len(PORTS) + 2
