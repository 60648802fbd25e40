"""Benchmark: `hubctl audit` vs Prowler's OpenStack provider on the same planted problems, and
the audit's time as a project grows.

    scripts/local-cloud start; eval "$(scripts/toolchain env)"
    .venv/bin/python benchmarks/audit_vs_prowler.py [--no-site] [--sizes 100,500,1000]
                                                    [--rounds 3] [--prowler-version 5.46.0]

In a Keystone user and projects of its own (tests/integration/tenant.py), never the user's
`make up` site: it deploys the `local` site there (unless --no-site) into a private backend,
then plants five problems behind Pulumi's back: a world-open SSH rule in the app tier's group,
a container made public with the swift CLI, a port with port security off, a volume on a type
without encryption, a password in a server's metadata. `hubctl audit` and Prowler's OpenStack
provider (prowler on PyPI, installed into .cache/prowler-venv, a venv of its own, as checkov is
for check_vs_checkov.py) run side by side on that project, `--rounds` times each, alternately;
it prints the wall time of each (median), which planted problem each reported and with which
rule or check, and what else each reported.

Then, in a fresh project of the same tenant, it creates resources directly through the API
(security groups with rules, ports, Swift containers) up to each of `--sizes` and times the
audit at each size (no state: everything is unmanaged and judged). Everything it created is
deleted at the end, then the projects and the user. Figures are wall-clock on whatever else the
machine is doing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubcore.paths import REPO_ROOT
from hubctl.cloud import connect_from_env
from hubctl.deploy import SiteDeployer
from tests.integration.tenant import create_tenant

PROWLER_VENV = REPO_ROOT / ".cache" / "prowler-venv"
SITE = "local"
PROBLEMS = (
    "world-open SSH rule",
    "public container",
    "port security off",
    "unencrypted volume",
    "secret in server metadata",
)


def local_cloud_env(*which: str) -> dict[str, str]:
    script = REPO_ROOT / "scripts" / "local-cloud"
    out = subprocess.run(
        ["bash", "-c", f'eval "$({script} env {" ".join(which)})" && env -0'],
        capture_output=True,
        check=True,
    ).stdout.decode()
    pairs = (entry.split("=", 1) for entry in out.split("\0") if "=" in entry)
    return {k: v for k, v in pairs if k.startswith("OS_")}


def toolchain_env() -> dict[str, str]:
    out = subprocess.run(
        ["bash", "-c", f'eval "$({REPO_ROOT}/scripts/toolchain env)" && env -0'],
        capture_output=True,
        check=True,
    ).stdout.decode()
    return dict(entry.split("=", 1) for entry in out.split("\0") if "=" in entry)


def install_prowler(version: str) -> Path:
    binary = PROWLER_VENV / "bin" / "prowler"
    # Not `prowler --version`: that one asks GitHub for the latest release.
    done = subprocess.run(
        [str(PROWLER_VENV / "bin" / "python"), "-c",
         "import importlib.metadata as m; print(m.version('prowler'))"],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0 or done.stdout.strip() != version:
        subprocess.run([sys.executable, "-m", "venv", str(PROWLER_VENV)], check=True)
        subprocess.run(
            [str(PROWLER_VENV / "bin" / "pip"), "install", "-q", f"prowler=={version}"], check=True
        )
    return binary


@dataclass
class Planted:
    """What was planted, by problem: the ids and names a finding may name it by."""

    marks: dict[str, set[str]] = field(default_factory=dict)
    undo: list[Callable[[], None]] = field(default_factory=list)

    def add(self, problem: str, *marks: str) -> None:
        self.marks.setdefault(problem, set()).update(m for m in marks if m)

    def which(self, text: str, urn: str = "") -> list[str]:
        """Problems a finding names: by an id in its text, or (a mark `::name`) by a URN
        ending with that name exactly (names overlap: hub-local-app-0, hub-local-app-0-boot)."""
        return [
            problem
            for problem, marks in self.marks.items()
            if any(urn.endswith(m) if m.startswith("::") else m in text for m in marks)
        ]


def plant(conn: Any, env: dict[str, str], site_deployed: bool) -> Planted:
    planted = Planted()
    project = conn.current_project_id
    if site_deployed:
        [group] = conn.network.security_groups(project_id=project, name=f"hub-{SITE}-app")
        [network] = conn.network.networks(project_id=project, name=f"hub-{SITE}-net")
        server = conn.compute.find_server(f"hub-{SITE}-app-0")
        container = f"hub-{SITE}-backups"
    else:
        group = conn.network.create_security_group(name="bench-app")
        planted.undo.append(lambda: conn.network.delete_security_group(group.id))
        network = conn.network.create_network(name="bench-net")
        planted.undo.append(lambda: conn.network.delete_network(network.id))
        conn.network.create_subnet(network_id=network.id, cidr="10.99.0.0/24", ip_version=4)
        server = None
        container = "bench-container"
        conn.object_store.create_container(container)
        planted.undo.append(lambda: conn.object_store.delete_container(container))
    rule = conn.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", ether_type="IPv4", protocol="tcp",
        port_range_min=22, port_range_max=22, remote_ip_prefix="0.0.0.0/0",
    )  # fmt: skip
    planted.undo.append(lambda: conn.network.delete_security_group_rule(rule.id))
    # Ids only: names overlap (hub-local-app, hub-local-app-0, hub-local-app-0-boot).
    planted.add(PROBLEMS[0], rule.id, group.id)
    swift = {**os.environ, **env}
    subprocess.run(["swift", "post", "-r", ".r:*,.rlistings", container], env=swift, check=True)

    def private_again() -> None:
        subprocess.run(["swift", "post", "-r", "", container], env=swift, check=True)

    planted.undo.append(private_again)
    planted.add(PROBLEMS[1], container)
    port = conn.network.create_port(
        network_id=network.id, name="bench-open-port", port_security_enabled=False
    )
    planted.undo.append(lambda: conn.network.delete_port(port.id))
    planted.add(PROBLEMS[2], port.id, "bench-open-port")
    volume = conn.block_storage.create_volume(
        name="bench-plain-volume", size=1, volume_type="classic"
    )
    conn.block_storage.wait_for_status(volume, "available", wait=180)
    planted.undo.append(lambda: conn.block_storage.delete_volume(volume.id))
    planted.add(PROBLEMS[3], volume.id, "bench-plain-volume")
    if server is None:
        flavor = conn.compute.find_flavor("d2-2")
        image = conn.image.find_image("Debian 12")
        server = conn.compute.create_server(
            name="bench-server", flavor_id=flavor.id, image_id=image.id,
            networks=[{"uuid": network.id}],
        )  # fmt: skip
        server = conn.compute.wait_for_server(server, wait=300)
        planted.undo.append(lambda: conn.compute.delete_server(server.id))
    conn.compute.set_server_metadata(server, db_password="Hunter2-but-longer")
    planted.undo.append(lambda: conn.compute.delete_server_metadata(server, ["db_password"]))
    planted.add(PROBLEMS[4], server.id, f"::{server.name}")
    return planted


def run_hubctl(env: dict[str, str], scratch: Path) -> tuple[float, list[dict[str, Any]], int]:
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hubctl.cli",
            "audit",
            "--site",
            SITE,
            "--format",
            "json",
            "--reports",
            str(scratch / "reports"),
            "--max-resources",
            "100000",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    report = json.loads(done.stdout) if done.stdout.strip() else {"violations": []}
    if done.returncode not in (0, 1):
        print(done.stderr[-2000:], file=sys.stderr)
    return seconds, report["violations"], done.returncode


def run_prowler(
    binary: Path, clouds: Path, scratch: Path, cloud: str
) -> tuple[float, list[dict[str, Any]], int]:
    out = scratch / "prowler"
    shutil.rmtree(out, ignore_errors=True)  # prowler also writes a compliance/ folder
    out.mkdir()
    started = time.monotonic()
    done = subprocess.run(
        [
            str(binary),
            "openstack",
            "--clouds-yaml-file",
            str(clouds),
            "--clouds-yaml-cloud",
            cloud,
            "--output-formats",
            "json-ocsf",
            "--output-directory",
            str(out),
            "--no-banner",
            "--status",
            "FAIL",
        ],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("OS_")},
    )
    seconds = time.monotonic() - started
    findings: list[dict[str, Any]] = []
    for path in out.glob("*.ocsf.json"):
        findings += json.loads(path.read_text() or "[]")
    if not findings and done.returncode not in (0, 3):
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return seconds, findings, done.returncode


def prowler_text(finding: dict[str, Any]) -> str:
    """The resource a Prowler finding is about: its uid and name (not the resource's data, which
    names other resources: a volume's attachments name its server)."""
    resources = finding.get("resources") or []
    return " ".join(f"{r.get('uid', '')} {r.get('name', '')}" for r in resources)


def prowler_check(finding: dict[str, Any]) -> str:
    return str(
        finding.get("metadata", {}).get("event_code")
        or finding.get("finding_info", {}).get("title")
    )


def compare(
    env: dict[str, str], clouds: Path, binary: Path, rounds: int, planted: Planted, scratch: Path
) -> None:
    ours: list[float] = []
    theirs: list[float] = []
    hub_findings: list[dict[str, Any]] = []
    prowler_findings: list[dict[str, Any]] = []
    for _ in range(rounds):
        seconds, hub_findings, _ = run_hubctl(env, scratch)
        ours.append(seconds)
        seconds, prowler_findings, _ = run_prowler(binary, clouds, scratch, SITE)
        theirs.append(seconds)
    hub, prow = statistics.median(ours), statistics.median(theirs)
    print(f"\nwall time, median of {rounds} (alternating runs on the same project):")
    print(f"  hubctl audit          {hub:7.2f} s   ({len(hub_findings)} findings)")
    print(f"  prowler openstack     {prow:7.2f} s   ({len(prowler_findings)} FAIL findings)")
    print(f"  ratio prowler/hubctl  {prow / hub:7.2f}")
    print("\nplanted problem            hubctl audit                               prowler")
    for problem in PROBLEMS:
        ours_rules = sorted({
            v["policy"] for v in hub_findings
            if problem in planted.which(v["urn"] + v["message"], v["urn"])
        })  # fmt: skip
        their_checks = sorted({
            prowler_check(f) for f in prowler_findings if problem in planted.which(prowler_text(f))
        })  # fmt: skip
        print(f"  {problem:26} {', '.join(ours_rules) or 'MISSED':42} "
              f"{', '.join(their_checks) or 'MISSED'}")  # fmt: skip
    others = {
        v["policy"] for v in hub_findings if not planted.which(v["urn"] + v["message"], v["urn"])
    }
    print(f"\nhubctl audit, other rules reporting: {', '.join(sorted(others)) or 'none'}")
    their_others = {
        prowler_check(f) for f in prowler_findings if not planted.which(prowler_text(f))
    }
    print(f"prowler, other checks failing: {', '.join(sorted(their_others)) or 'none'}")


def grow(conn: Any, target: int, made: list[Callable[[], None]], counter: list[int]) -> None:
    """Create resources through the API until `counter[0]` reaches `target`: per ten, one
    security group (Neutron adds its two default egress rules), four rules, two ports on one
    network, two containers."""
    network = getattr(grow, "network", None)
    if network is None:
        network = conn.network.create_network(name="bench-scale")
        conn.network.create_subnet(network_id=network.id, cidr="10.98.0.0/16", ip_version=4)
        made.append(lambda: conn.network.delete_network(network.id))
        grow.network = network  # type: ignore[attr-defined]
        counter[0] += 2
    while counter[0] < target:
        n = counter[0]
        group = conn.network.create_security_group(name=f"bench-{n}")
        made.append(partial(conn.network.delete_security_group, group.id))
        counter[0] += 3  # the group and Neutron's two default rules
        for port in (80, 443, 8080, 8443):
            conn.network.create_security_group_rule(
                security_group_id=group.id, direction="ingress", ether_type="IPv4",
                protocol="tcp", port_range_min=port, port_range_max=port,
                remote_ip_prefix="10.0.0.0/8",
            )  # fmt: skip
            counter[0] += 1
        for i in range(2):
            port = conn.network.create_port(network_id=network.id, name=f"bench-{n}-{i}")
            made.append(partial(conn.network.delete_port, port.id))
            conn.object_store.create_container(f"bench-{n}-{i}")
            made.append(partial(conn.object_store.delete_container, f"bench-{n}-{i}"))
            counter[0] += 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-site", action="store_true", help="plant into a bare project")
    parser.add_argument("--sizes", default="100,500,1000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prowler-version", default="5.46.0")
    args = parser.parse_args()

    binary = install_prowler(args.prowler_version)
    admin_env = local_cloud_env("admin")
    admin = connect_from_env(admin_env)
    # The Automation API finds the engine on this process's PATH.
    engine = toolchain_env()
    os.environ["PATH"] = engine.get("PATH", os.environ.get("PATH", ""))
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as folder:
        scratch = Path(folder)
        tenant = create_tenant(admin_env, scratch)
        print(f"bench tenant {tenant.name} (removed at the end)")
        try:
            versus(args, tenant, engine, binary, scratch)
            growth(args, tenant, admin, engine, scratch)
        finally:
            tenant.remove()


def versus(
    args: argparse.Namespace, tenant: Any, engine: dict[str, str], binary: Path, scratch: Path
) -> None:
    backend = scratch / "backend"
    backend.mkdir()
    env = {**engine, **tenant.env, "HUB_STATE_BACKEND": f"file://{backend}",
           "PULUMI_CONFIG_PASSPHRASE": "local-only-not-a-secret"}  # fmt: skip
    env.pop("PULUMI_BACKEND_URL", None)
    deployer = SiteDeployer(site=SITE, log_dir=scratch / "logs", env=env)
    planted = Planted()
    try:
        if not args.no_site:
            started = time.monotonic()
            runs = deployer.run("up")
            if any(r.status != "done" for r in runs):
                raise SystemExit("deploy failed: " + "; ".join(str(r.error) for r in runs))
            took = time.monotonic() - started
            print(f"site {SITE} deployed in the bench tenant in {took:.0f} s")
        conn = tenant.connect(SITE)
        planted = plant(conn, env, not args.no_site)
        compare(env, tenant.clouds_yaml, binary, args.rounds, planted, scratch)
    finally:
        for undo in reversed(planted.undo):
            try:
                undo()
            except Exception as error:  # go on: the rest must be cleaned up
                print(f"cleanup: {error}", file=sys.stderr)
        if not args.no_site:
            deployer.run("destroy")


def growth(
    args: argparse.Namespace, tenant: Any, admin: Any, engine: dict[str, str], scratch: Path
) -> None:
    """A project of its own (the tenant's DR project, read in LOCAL1), no state at all."""
    project = tenant.projects["local-dr"]
    admin.network.put(f"/quotas/{project}", json={"quota": {
        "network": 10, "subnet": 10, "port": 2000, "security_group": 500,
        "security_group_rule": 5000}})  # fmt: skip
    clouds = yaml.safe_load(tenant.clouds_yaml.read_text())
    clouds["clouds"][SITE] = {**clouds["clouds"]["local-dr"], "region_name": "LOCAL1"}
    grown = scratch / "clouds-grown.yaml"
    grown.write_text(json.dumps(clouds))
    (scratch / "empty").mkdir()
    env = {**engine, **tenant.env, "OS_CLIENT_CONFIG_FILE": str(grown),
           "HUB_STATE_BACKEND": f"file://{scratch / 'empty'}"}  # fmt: skip
    env.pop("PULUMI_BACKEND_URL", None)
    conn = tenant.connect("local-dr")
    made: list[Callable[[], None]] = []
    created = [0]
    print("\naudit time as the project grows (resources created through the API, no state):")
    print("  resources   listed   hubctl audit (median)")
    try:
        for size in [int(s) for s in args.sizes.split(",") if s]:
            grow(conn, size, made, created)
            times = []
            for _ in range(args.rounds):
                seconds, _, _ = run_hubctl(env, scratch)
                times.append(seconds)
            record = sorted((scratch / "reports" / "audits").glob("local-*.json"))[-1]
            listed = json.loads(record.read_text())["counts"]["listed"]
            print(f"  {created[0]:9}   {listed:6}   {statistics.median(times):7.2f} s")
    finally:
        for undo in reversed(made):
            try:
                undo()
            except Exception as error:
                print(f"cleanup: {error}", file=sys.stderr)


if __name__ == "__main__":
    main()
