"""`hubctl check` against checkov on the same site, and against the engine's preview with the pack.

    eval "$(scripts/toolchain env)"; eval "$(scripts/local-cloud env)"   # for the preview
    .venv/bin/python benchmarks/check_vs_checkov.py [--sizes 100,500,2000] [--rounds 3]
        [--no-preview] [--checkov-version 3.3.30]

Run it inside the session's network namespace (checkov then has nowhere to phone home to).

The site is prod's four layers with the compute layer scaled to N instances (two bastions, the
rest split between app and data hosts, each data host with its data volume), written into a
scratch copy of the repository so that warm rounds can change a stack file without touching the
shipped ones. The equivalent Terraform site has one resource per hub resource (instances,
volumes, ports, networks, subnets, routers, security groups and rules, server groups, keypair,
containers, key-manager orders and secrets, TLS keys and certificates) with the same inputs,
user data included; checkov (installed into .cache/checkov-venv, pinned) scans it.

Both tools run interleaved, A, B, A, B, --rounds times per case; each run is one process timed
by wait4: wall time, CPU time (user + sys of the process and the children it waited for) and
peak RSS. The ratio is checkov's median CPU over hubctl's: the figure; absolute times vary with
the machine. Cases:
  cold   hubctl's cache is emptied before each of its runs;
  warm   the merge-request case: the program did not change and one stack's config did. Two
         cases: a value of prod-network's stack file (the large compute layer is unchanged),
         and prod-compute's host counts (its sample of hosts is unchanged: only expansion and
         rules run). checkov has no cache: its runs are the same as cold.
The per-resource column (CPU ms per resource) stays flat when growth is linear.
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHECKOV_VENV = REPO / ".cache" / "checkov-venv"
PROD_SITE = ("prod-network", "prod-kms", "prod-storage", "prod-compute")
COPIED = ("hubcore", "infra", "synth", "policies", "hubctl", "stacks", "Pulumi.yaml", "__main__.py")
PREVIEW_STACK = "local-network"
TARGETS = {"cold": 2.0, "warm": 10.0, "preview": 10.0}


@dataclass
class Run:
    tool: str
    resources: int
    wall: float
    cpu: float
    rss_mb: float


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[Run, str]:
    """One process: its output, wall time and the rusage wait4 reports for it."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        # wait4 rather than wait: it reports the process's own rusage (CPU, peak RSS).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]}... failed ({process.returncode}):\n{stderr[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run("", 0, wall, cpu, usage.ru_maxrss / 1024), stdout


# --------------------------------------------------------------------------------------------
# The hub site, in a scratch copy of the repository


def sizes_for(instances: int) -> dict[str, Any]:
    rest = instances - 2
    app, data = rest // 2, rest - rest // 2
    if max(app, data) > 1000:
        raise SystemExit(f"{instances} instances exceed 1,000 hosts per role")
    return {
        "bastion": {"flavor": "b3-8", "count": 2, "bootVolumeGb": 20},
        "app": {"flavor": "b3-32", "count": app, "bootVolumeGb": 40},
        "data": {"flavor": "r3-64", "count": data, "bootVolumeGb": 40, "dataVolumeGb": 500},
    }


class Site:
    """A copy of the repository whose prod site has N instances; hubctl runs from it."""

    def __init__(self, root: Path, instances: int) -> None:
        self.root = root
        self.instances = instances
        for name in COPIED:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, root / name)
        (root / ".venv").symlink_to(REPO / ".venv")
        self.compute_file = root / "stacks" / "Pulumi.prod-compute.yaml"
        self.network_file = root / "stacks" / "Pulumi.prod-network.yaml"
        self.shipped = {p: p.read_text() for p in (self.compute_file, self.network_file)}
        self.set_sizes(sizes_for(instances))

    def set_sizes(self, sizes: dict[str, Any]) -> None:
        text = self.shipped[self.compute_file].rstrip("\n")
        self.compute_file.write_text(f"{text}\n  hub:sizes: {json.dumps(sizes)}\n")

    def set_network_owner(self, owner: str) -> None:
        text = self.shipped[self.network_file].rstrip("\n")
        self.network_file.write_text(f"{text}\n  hub:owner: {owner}\n")

    def clear_cache(self) -> None:
        shutil.rmtree(self.root / ".cache", ignore_errors=True)

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.root), "PULUMI_SKIP_UPDATE_CHECK": "true"}

    def hubctl(self, *args: str) -> list[str]:
        return [sys.executable, "-c", "from hubctl.cli import app; app()", *args]

    def check(self, stacks: Iterable[str] = PROD_SITE) -> Run:
        args = [a for stack in stacks for a in ("--stack", stack)]
        run, out = measure(self.hubctl("check", *args, "--format", "json"), self.root, self.env())
        run.tool, run.resources = "hubctl check", int(json.loads(out)["resources"])
        return run

    def records(self) -> list[Any]:
        """The site's resources, as `hubctl synth --format json` gives them."""
        found: list[Any] = []
        for stack in PROD_SITE:
            done = subprocess.run(
                [sys.executable, "-c", SYNTH_FAST, stack],
                cwd=self.root,
                env=self.env(),
                capture_output=True,
                text=True,
                check=True,
            )
            found.extend(json.loads(done.stdout)["resources"])
        return found


# The fast path's records (the same as `hubctl synth`'s, which the equality tests prove).
SYNTH_FAST = (
    "import json, sys\nfrom synth.synthesis import synthesize_fast\n"
    "print(json.dumps(synthesize_fast(sys.argv[1]).to_json()))\n"
)


# --------------------------------------------------------------------------------------------
# The equivalent Terraform site

TERRAFORM_TYPES = {
    "openstack:compute/instance:Instance": "openstack_compute_instance_v2",
    "openstack:compute/keypair:Keypair": "openstack_compute_keypair_v2",
    "openstack:compute/serverGroup:ServerGroup": "openstack_compute_servergroup_v2",
    "openstack:blockstorage/volume:Volume": "openstack_blockstorage_volume_v3",
    "openstack:networking/port:Port": "openstack_networking_port_v2",
    "openstack:networking/network:Network": "openstack_networking_network_v2",
    "openstack:networking/subnet:Subnet": "openstack_networking_subnet_v2",
    "openstack:networking/router:Router": "openstack_networking_router_v2",
    "openstack:networking/routerInterface:RouterInterface": (
        "openstack_networking_router_interface_v2"
    ),
    "openstack:networking/secGroup:SecGroup": "openstack_networking_secgroup_v2",
    "openstack:networking/secGroupRule:SecGroupRule": "openstack_networking_secgroup_rule_v2",
    "openstack:objectstorage/container:Container": "openstack_objectstorage_container_v1",
    "openstack:keymanager/orderV1:OrderV1": "openstack_keymanager_order_v1",
    "openstack:keymanager/secretV1:SecretV1": "openstack_keymanager_secret_v1",
    "openstack:keymanager/containerV1:ContainerV1": "openstack_keymanager_container_v1",
    "tls:index/privateKey:PrivateKey": "tls_private_key",
    "tls:index/selfSignedCert:SelfSignedCert": "tls_self_signed_cert",
    "tls:index/certRequest:CertRequest": "tls_cert_request",
    "tls:index/locallySignedCert:LocallySignedCert": "tls_locally_signed_cert",
}


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def hcl_string(text: str) -> str:
    # JSON escapes are HCL's; ${ and %{ would be template sequences.
    return json.dumps(text).replace("${", "$${").replace("%{", "%%{")


def hcl_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # the wire carries every number as a double
    if isinstance(value, int | float):
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(hcl_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{hcl_string(str(k))} = {hcl_value(v)}" for k, v in value.items())
            + "}"
        )
    return hcl_string(str(value))


def hcl_body(inputs: dict[str, Any], indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for key, value in inputs.items():
        name = snake(key)
        # Lists of objects are nested blocks in the provider's schema (block_device, network,
        # fixed_ip, scheduler_hints...); maps stay attributes (metadata).
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                lines += [f"{indent}{name} {{", *hcl_body(item, indent + "  "), f"{indent}}}"]
        else:
            lines.append(f"{indent}{name} = {hcl_value(value)}")
    return lines


# Resources per .tf file. A real site is many files; one 26 MB file at 2,000 instances is parsed
# by checkov for 24 s and then reported as holding no resource at all.
PER_FILE = 500


def write_terraform(records: list[dict[str, Any]], directory: Path) -> int:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    blocks: list[str] = []
    files = 0
    seen: set[tuple[str, str]] = set()
    for record in records:
        kind = TERRAFORM_TYPES.get(record["type"])
        if kind is None:
            continue
        label = "r_" + "".join(c if c.isalnum() else "_" for c in record["name"])
        while (kind, label) in seen:
            label += "_"
        seen.add((kind, label))
        blocks += [f'resource "{kind}" "{label}" {{', *hcl_body(record["inputs"]), "}", ""]
        if len(seen) % PER_FILE == 0:
            files += 1
            (directory / f"site-{files:03d}.tf").write_text("\n".join(blocks))
            blocks = []
    if blocks:
        (directory / f"site-{files + 1:03d}.tf").write_text("\n".join(blocks))
    return len(seen)


def ensure_checkov(version: str) -> Path:
    binary = CHECKOV_VENV / "bin" / "checkov"
    if binary.exists():
        return binary
    print(f"installing checkov {version} into {CHECKOV_VENV}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
    subprocess.run(
        [str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", f"checkov=={version}"], check=True
    )
    return binary


def checkov_run(binary: Path, directory: Path, expected: int) -> Run:
    env = {
        **os.environ,
        # No platform, no mapping download, no version check: a local scan, as hubctl's.
        "BC_SKIP_MAPPING": "TRUE",
        "CHECKOV_SKIP_DOWNLOAD": "TRUE",
        "CKV_NO_VERSION_CHECK": "TRUE",
        "LOG_LEVEL": "ERROR",
    }
    command = [
        str(binary),
        "-d",
        str(directory),
        "--framework",
        "terraform",
        "--quiet",
        "--compact",
        "-o",
        "json",
        "--skip-download",
    ]
    run, out = measure(command, directory, env)
    data = json.loads(out)
    reports = data if isinstance(data, list) else [data]
    run.tool = "checkov"
    run.resources = sum(int(r.get("summary", {}).get("resource_count", 0)) for r in reports)
    if run.resources != expected:
        # A ratio against a scan that skipped part of the site would flatter hubctl.
        raise SystemExit(f"checkov scanned {run.resources} of the {expected} resources written")
    return run


# --------------------------------------------------------------------------------------------
# Reporting


def median(runs: list[Run], attribute: str) -> float:
    return float(statistics.median(float(getattr(r, attribute)) for r in runs))


def print_row(case: str, instances: int, run: Run) -> None:
    per = 1000 * run.cpu / run.resources if run.resources else 0.0
    print(
        f"{case:<30} {instances:>6} {run.tool:<13} {run.resources:>9} {run.wall:>8.2f} "
        f"{run.cpu:>8.2f} {run.rss_mb:>8.0f} {per:>8.3f}",
        flush=True,
    )


def print_ratio(
    case: str, instances: int, hub: list[Run], peer: list[Run], peer_name: str, target: float
) -> float:
    ratio = median(peer, "cpu") / median(hub, "cpu")
    rss = f", peak RSS {median(hub, 'rss_mb'):.0f} MB vs {median(peer, 'rss_mb'):.0f} MB"
    verdict = "meets" if ratio >= target else "misses"
    print(
        f"RATIO {case}, {instances} instances: {peer_name} CPU / hubctl CPU = {ratio:.1f} "
        f"(medians {median(peer, 'cpu'):.2f} s / {median(hub, 'cpu'):.2f} s, wall "
        f"{median(peer, 'wall'):.2f} s / {median(hub, 'wall'):.2f} s{rss}); "
        f"{verdict} the {target:g}x target",
        flush=True,
    )
    return ratio


def interleave(
    rounds: int, first: Callable[[], Run], second: Callable[[], Run], case: str, instances: int
) -> tuple[list[Run], list[Run]]:
    a: list[Run] = []
    b: list[Run] = []
    for _ in range(rounds):
        a.append(first())
        print_row(case, instances, a[-1])
        b.append(second())
        print_row(case, instances, b[-1])
    return a, b


def bench_size(instances: int, rounds: int, checkov: Path, scratch: Path) -> None:
    site = Site(scratch / f"hub-{instances}", instances)
    terraform = scratch / f"terraform-{instances}"
    count = write_terraform(site.records(), terraform)
    size = sum(p.stat().st_size for p in terraform.iterdir()) / 1e6
    print(f"-- {instances} instances: Terraform site of {count} resources ({size:.1f} MB)")

    def cold() -> Run:
        site.clear_cache()
        return site.check()

    def scan() -> Run:
        return checkov_run(checkov, terraform, count)

    hub, peer = interleave(rounds, cold, scan, "cold", instances)
    print_ratio("cold", instances, hub, peer, "checkov", TARGETS["cold"])

    # Warm: the first check fills the cache; each round then changes one stack's config.
    site.clear_cache()
    site.check()
    owners = iter(f"reviewer-{n}@hub.example" for n in range(1000))

    def network_changed() -> Run:
        site.set_network_owner(next(owners))
        return site.check()

    hub, peer = interleave(
        rounds,
        network_changed,
        scan,
        "warm: prod-network config",
        instances,
    )
    print_ratio(
        "warm (prod-network's config changed)", instances, hub, peer, "checkov", TARGETS["warm"]
    )

    shipped = sizes_for(instances)
    # A new count each round (never one seen before, so never a cached report).
    deltas = iter(range(1, 1000))

    def counts_changed() -> Run:
        changed = json.loads(json.dumps(shipped))
        changed["app"]["count"] -= next(deltas)
        site.set_sizes(changed)
        return site.check()

    hub, peer = interleave(
        rounds,
        counts_changed,
        scan,
        "warm: prod-compute counts",
        instances,
    )
    print_ratio(
        "warm (prod-compute's host counts changed)",
        instances,
        hub,
        peer,
        "checkov",
        TARGETS["warm"],
    )
    site.set_sizes(shipped)


def bench_prod_site(rounds: int, scratch: Path) -> None:
    """The shipped prod site (its own sizes): the absolute budget of issue 13."""
    site = Site(scratch / "hub-prod", 8)
    (site.compute_file).write_text(site.shipped[site.compute_file])
    cold, warm = [], []
    for _ in range(rounds):
        site.clear_cache()
        cold.append(site.check())
        print_row("prod site, cold", 8, cold[-1])
        warm.append(site.check())
        print_row("prod site, warm (unchanged)", 8, warm[-1])
    print(
        f"PROD SITE ({cold[-1].resources} resources): cold {median(cold, 'cpu'):.2f} s CPU "
        f"(target 1.0), warm {median(warm, 'cpu'):.2f} s CPU (target 0.5)",
        flush=True,
    )


def bench_preview(rounds: int, scratch: Path) -> None:
    """`pulumi preview --policy-pack policies` and `hubctl check` on the same stack."""
    if shutil.which("pulumi") is None or not any(k.startswith("OS_") for k in os.environ):
        raise SystemExit(
            "the preview needs the engine and the local cloud: "
            'eval "$(scripts/toolchain env)"; eval "$(scripts/local-cloud env)" (or --no-preview)'
        )
    site = Site(scratch / "hub-preview", 8)
    env = {**site.env(), "PULUMI_BACKEND_URL": f"file://{site.root / '.state'}"}
    env.setdefault("PULUMI_CONFIG_PASSPHRASE", "local-only-not-a-secret")
    (site.root / ".state").mkdir()
    subprocess.run(
        ["pulumi", "stack", "init", PREVIEW_STACK, "--non-interactive"],
        cwd=site.root,
        env=env,
        check=True,
        capture_output=True,
    )

    def preview() -> Run:
        run, _ = measure(
            [
                "pulumi",
                "preview",
                "--policy-pack",
                "policies",
                "--stack",
                PREVIEW_STACK,
                "--non-interactive",
                "--diff=false",
            ],
            site.root,
            env,
        )
        run.tool = "pulumi preview"
        return run

    def check() -> Run:
        site.clear_cache()
        return site.check([PREVIEW_STACK])

    hub, peer = interleave(rounds, check, preview, f"vs preview: {PREVIEW_STACK}", 0)
    for run in peer:
        run.resources = hub[0].resources
    print_ratio(
        f"preview with the pack, {PREVIEW_STACK} (cold check)",
        0,
        hub,
        peer,
        "pulumi preview",
        TARGETS["preview"],
    )
    # The reviewer's case: the stack did not change since the last check.
    site.check([PREVIEW_STACK])
    warm = [site.check([PREVIEW_STACK]) for _ in range(rounds)]
    for run in warm:
        print_row(f"vs preview: {PREVIEW_STACK}, warm", 0, run)
    print_ratio(
        f"preview with the pack, {PREVIEW_STACK} (warm check)",
        0,
        warm,
        peer,
        "pulumi preview",
        TARGETS["preview"],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,2000", help="instance counts of the site")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per case")
    parser.add_argument("--checkov-version", default="3.3.30")
    parser.add_argument("--no-preview", action="store_true", help="skip the engine's preview")
    options = parser.parse_args()
    checkov = ensure_checkov(options.checkov_version)
    print(
        f"hubctl check vs checkov {options.checkov_version}, {options.rounds} interleaved rounds; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}. CPU = user + sys (wait4), "
        "RSS = peak resident MB, ms/res = CPU ms per resource"
    )
    print(
        f"{'case':<30} {'inst.':>6} {'tool':<13} {'resources':>9} {'wall s':>8} {'cpu s':>8} "
        f"{'rss MB':>8} {'ms/res':>8}"
    )
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as directory:
        scratch = Path(directory)
        bench_prod_site(options.rounds, scratch)
        if not options.no_preview:
            bench_preview(options.rounds, scratch)
        for instances in (int(s) for s in options.sizes.split(",") if s):
            bench_size(instances, options.rounds, checkov, scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
