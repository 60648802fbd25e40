"""How long `hubctl check` takes: every shipped stack, the whole prod site, synthetic sites.

    .venv/bin/python benchmarks/check_bench.py [--sizes 100,500,2000] [--repeat 3] [--quick]

Each row is one `hubctl check ... --format json` process, end to end (interpreter start,
synthesis under mocks, every rule, the report), timed as wall clock and as the child's CPU time
(user + sys): on a shared machine the CPU time is the steadier figure. The best of --repeat runs
is kept. Synthetic sites scale the prod compute layer with `-c hub:sizes=...` (at most 1,000
hosts per role), and the last column divides by the resources checked, so linear growth shows
as a flat column. Target (issue 3): the four prod layers together under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HUBCTL = str(Path(sys.executable).with_name("hubctl"))
PROD_SITE = ("prod-network", "prod-kms", "prod-storage", "prod-compute")
TARGET_SECONDS = 2.0


@dataclass
class Timing:
    label: str
    resources: int
    wall: float
    cpu: float
    exit_code: int
    baseline: tuple[float, float] = (0.0, 0.0)

    def per_resource_ms(self, cpu: bool = False) -> float:
        """Time above the fixed start-up cost, per resource: flat when growth is linear."""
        if not self.resources:
            return 0.0
        spent = self.cpu - self.baseline[1] if cpu else self.wall - self.baseline[0]
        return 1000 * max(spent, 0.0) / self.resources


# Where the time of one prod-site run goes, measured inside a fresh interpreter.
PHASES = """
import json, time
t0 = time.perf_counter()
import hubctl.cli  # what `hubctl` imports before running any command
t1 = time.perf_counter()
from synth.synthesis import synthesize
from policies.config import load_pack_config
from policies.evaluate import evaluate
from hubctl.targets import target_of_synth
import gc
config = load_pack_config()
synth = check = 0.0
resources = 0
for stack in %r:
    a = time.perf_counter(); result = synthesize(stack, %r); b = time.perf_counter()
    gc.collect(); gc.freeze()  # as hubctl check does
    target = target_of_synth(result); evaluate(target, config); c = time.perf_counter()
    synth += b - a; check += c - b; resources += len(target.resources)
print(json.dumps({"import": t1 - t0, "synthesis": synth, "rules": check,
                  "resources": resources}))
"""


def phases(stacks: tuple[str, ...], overrides: dict[str, str] | None = None) -> dict[str, float]:
    """Import, synthesis and rule time of one in-process run (the rules are this pack's part)."""
    done = subprocess.run(
        [sys.executable, "-c", PHASES % (stacks, overrides or {})],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return {k: float(v) for k, v in json.loads(done.stdout.splitlines()[-1]).items()}


def print_phases(label: str, split: dict[str, float]) -> None:
    per = 1000 * split["rules"] / split["resources"] if split["resources"] else 0.0
    print(
        f"  {label}: import {split['import']:.2f} s, synthesis {split['synthesis']:.2f} s, "
        f"rules {split['rules']:.3f} s ({per:.3f} ms/resource)",
        flush=True,
    )


def baseline_seconds(repeat: int) -> tuple[float, float]:
    """`hubctl check --help`: interpreter start and imports, no synthesis, no rule."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        cpu_before, start = _children_cpu(), time.perf_counter()
        subprocess.run([HUBCTL, "check", "--help"], cwd=REPO, capture_output=True, check=True)
        best = min(best, (time.perf_counter() - start, _children_cpu() - cpu_before))
    return best


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_check(
    label: str, args: list[str], repeat: int, baseline: tuple[float, float] = (0.0, 0.0)
) -> Timing:
    best: Timing | None = None
    for _ in range(repeat):
        cpu_before, start = _children_cpu(), time.perf_counter()
        done = subprocess.run(
            [HUBCTL, "check", *args, "--format", "json"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
        )
        wall, cpu = time.perf_counter() - start, _children_cpu() - cpu_before
        if done.returncode not in (0, 1):
            raise SystemExit(f"{label}: hubctl check failed ({done.returncode}): {done.stderr}")
        resources = int(json.loads(done.stdout)["resources"])
        timing = Timing(label, resources, wall, cpu, done.returncode, baseline)
        if best is None or timing.wall < best.wall:
            best = timing
    assert best is not None
    return best


def synthetic_sizes(instances: int) -> str:
    """hub:sizes for `instances` hosts: two bastions, the rest split between app and data."""
    rest = instances - 2
    app, data = rest // 2, rest - rest // 2
    if max(app, data) > 1000:
        raise SystemExit(f"{instances} instances exceed 1,000 hosts per role")
    return json.dumps(
        {
            "bastion": {"flavor": "b3-8", "count": 2},
            "app": {"flavor": "b3-32", "count": app},
            "data": {"flavor": "r3-64", "count": data, "dataVolumeGb": 500},
        }
    )


def stacks() -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for p in (REPO / "stacks").glob("Pulumi.*.yaml")
    )


def print_row(timing: Timing) -> None:
    print(
        f"{timing.label:<34} {timing.resources:>9} {timing.wall:>8.2f} {timing.cpu:>8.2f} "
        f"{timing.per_resource_ms():>8.2f} {timing.per_resource_ms(cpu=True):>8.2f}"
        f"   exit {timing.exit_code}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,2000", help="synthetic instance counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row, best kept")
    parser.add_argument("--quick", action="store_true", help="prod site and 100 instances only")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",") if s]
    if options.quick:
        sizes = sizes[:1]

    load = os.getloadavg()[0]
    print(f"hubctl check timings, best of {options.repeat}; {os.cpu_count()} CPUs, load {load:.1f}")
    base = baseline_seconds(options.repeat)
    print(
        f"start-up (hubctl check --help): {base[0]:.2f} s wall, {base[1]:.2f} s CPU; "
        "ms/res is the time above it per resource"
    )
    print(
        f"{'target':<34} {'resources':>9} {'wall s':>8} {'cpu s':>8} {'wall ms':>8} {'cpu ms':>8}"
    )
    if not options.quick:
        for stack in stacks():
            print_row(run_check(stack, ["--stack", stack], options.repeat, base))
    site = run_check(
        "prod site (4 layers, one run)",
        [arg for stack in PROD_SITE for arg in ("--stack", stack)],
        options.repeat,
        base,
    )
    print_row(site)
    for instances in sizes:
        print_row(
            run_check(
                f"synthetic site, {instances} instances",
                ["--stack", "prod-compute", "-c", f"hub:sizes={synthetic_sizes(instances)}"],
                1 if instances > 500 else options.repeat,
                base,
            )
        )
    print("inside one process (where the time goes; 'rules' is the policy pack itself):")
    print_phases("prod site", phases(PROD_SITE))
    for instances in sizes:
        print_phases(
            f"{instances} instances",
            phases(("prod-compute",), {"hub:sizes": synthetic_sizes(instances)}),
        )
    verdict = "meets" if site.wall < TARGET_SECONDS else "misses"
    print(
        f"prod site: {site.wall:.2f} s wall, {site.cpu:.2f} s CPU: {verdict} the "
        f"{TARGET_SECONDS:.0f} s target"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
