"""Benchmark: `pulumi up` and `pulumi destroy` time per layer of a site on the local cloud.

    eval "$(scripts/toolchain env)"; scripts/local-cloud start; eval "$(scripts/local-cloud env)"
    .venv/bin/python benchmarks/deploy_bench.py [--site local] [--rounds 1] [--sequential]
                                                [--kills 0]

Each round deploys every layer of the site through the real engine (policy pack loaded), as
`make up` does, into a private DIY backend, then destroys it; it prints each layer's wall time
for both, and the whole site's. With --kills N, between the up and the destroy of the first
round, N times: the compute layer is destroyed, `hubctl up` is killed (its whole process group)
at a random create of that layer's resources, and the rerun (`--break-stale-lock`) is timed,
with the orphans the census finds after it and the changes of a second up.

It runs as a Keystone user and in projects of its own (tests/integration/tenant.py), never in
the user's `make up` site. The cloud's own start times are printed by benchmarks/local_cloud.py.
Figures are wall-clock on whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from hubcore.paths import REPO_ROOT
from hubcore.stacks import Layer
from hubctl import census
from hubctl.cloud import project_of
from hubctl.deploy import LAYERS, Action, LayerRun, SiteDeployer, select_stack
from tests.fault.killer import left_running, run, run_and_kill
from tests.integration.tenant import create_tenant


def timed(deployer: SiteDeployer, action: Action) -> tuple[float, list[LayerRun]]:
    started = time.monotonic()
    runs = deployer.run(action)
    failed = [r for r in runs if r.status != "done"]
    if failed:
        raise SystemExit(f"{action} failed: " + "; ".join(f"{r.stack}: {r.error}" for r in failed))
    return time.monotonic() - started, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="local")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--sequential", action="store_true")
    parser.add_argument("--kills", type=int, default=0)
    args = parser.parse_args()

    totals: dict[str, list[float]] = {"up": [], "destroy": []}
    per_layer: dict[tuple[str, str], list[float]] = {}
    kills: list[tuple[str, float, int, int]] = []
    with tempfile.TemporaryDirectory(prefix="deploy-bench-") as scratch:
        backend = Path(scratch) / "backend"
        backend.mkdir()
        tenant = create_tenant(_admin_env(), Path(scratch))
        env = {
            **tenant.env,
            "PULUMI_BACKEND_URL": f"file://{backend}",
            "HUB_STATE_BACKEND": f"file://{backend}",
        }
        os.environ.update(env)
        deployer = SiteDeployer(
            site=args.site,
            log_dir=Path(scratch) / "logs",
            parallel=not args.sequential,
            env=env,
        )
        try:
            for round_ in range(args.rounds):
                for action in ("up", "destroy"):
                    if action == "destroy" and round_ == 0:
                        kills = [
                            kill_and_rerun(deployer, env, Path(scratch), tenant.connect())
                            for _ in range(args.kills)
                        ]
                    total, runs = timed(deployer, action)
                    totals[action].append(total)
                    for layer_run in runs:
                        per_layer.setdefault((action, layer_run.layer.value), []).append(
                            layer_run.seconds or 0.0
                        )
        finally:
            tenant.remove()

    plan = "sequential" if args.sequential else "parallel"
    print(f"site {args.site}, {plan} plan, {args.rounds} round(s), median wall seconds")
    print(f"{'layer':<10} {'up':>8} {'destroy':>8}")
    for layer in LAYERS:
        up = statistics.median(per_layer[("up", layer.value)])
        down = statistics.median(per_layer[("destroy", layer.value)])
        print(f"{layer.value:<10} {up:8.1f} {down:8.1f}")
    print(
        f"{'site':<10} {statistics.median(totals['up']):8.1f} "
        f"{statistics.median(totals['destroy']):8.1f}"
    )
    for point, seconds, orphans, changes in kills:
        print(
            f"killed at {point}: rerun converged in {seconds:.1f} s, "
            f"{orphans} orphan(s), second up {changes} change(s)"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def _admin_env() -> dict[str, str]:
    output = subprocess.run(
        [str(REPO_ROOT / "scripts/local-cloud"), "env", "admin"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    env = {}
    for line in output.splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            env[key] = value.strip("'")
    return env


def kill_and_rerun(
    deployer: SiteDeployer, env: dict[str, str], scratch: Path, conn: object
) -> tuple[str, float, int, int]:
    """Kill `hubctl up` at a random create of the compute layer; time the converging rerun."""
    stack = f"{deployer.site}-compute"
    select_stack(deployer.site, Layer.COMPUTE, env).destroy(color="never")
    nth = random.randint(1, 12)
    seen = []

    def point(event: dict[str, object]) -> bool:
        if (
            event.get("stack") == stack
            and event.get("op") == "create"
            and (event.get("kind") == "resource_pre_event")
        ):
            seen.append(event)
        return len(seen) >= nth

    killed = run_and_kill(["up", "--site", deployer.site], env, scratch, point)
    left = left_running(killed.mark)
    if left:
        raise SystemExit(f"processes outlived the killed hubctl: {left}")
    where = str(killed.event.get("urn", "?")).rsplit("::", 1)[-1] if killed.event else "the end"
    started = time.monotonic()
    code, output = run(["up", "--site", deployer.site, "--break-stale-lock"], env, scratch)
    seconds = time.monotonic() - started
    if code != 0:
        raise SystemExit(f"rerun after a kill at {where} failed:\n{output[-3000:]}")
    deployments = [
        dict(select_stack(deployer.site, layer, env).export_stack().deployment or {})
        for layer in LAYERS
    ]
    orphans = len(census.take(project_of(conn), deployer.site, deployments).orphans)
    again = deployer.run("up")
    changes = sum(n for r in again for op, n in r.changes.items() if op != "same")
    return f"create #{nth} ({where})", seconds, orphans, changes


if __name__ == "__main__":
    main()
