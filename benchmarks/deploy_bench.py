"""Benchmark: `pulumi up` and `pulumi destroy` time per layer of a site on the local cloud.

    eval "$(scripts/toolchain env)"; scripts/local-cloud start; eval "$(scripts/local-cloud env)"
    .venv/bin/python benchmarks/deploy_bench.py [--site local] [--rounds 1] [--sequential]

Each round deploys every layer of the site through the real engine (policy pack loaded), as
`make up` does, into a private DIY backend, then destroys it; it prints each layer's wall time
for both, and the whole site's. The cloud's own start times are printed by
benchmarks/local_cloud.py. Figures are wall-clock on whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from hubctl.deploy import LAYERS, Action, LayerRun, SiteDeployer


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
    args = parser.parse_args()

    totals: dict[str, list[float]] = {"up": [], "destroy": []}
    per_layer: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="deploy-bench-") as scratch:
        backend = Path(scratch) / "backend"
        backend.mkdir()
        env = {"PULUMI_BACKEND_URL": f"file://{backend}"}
        os.environ.update(env)
        deployer = SiteDeployer(
            site=args.site,
            log_dir=Path(scratch) / "logs",
            parallel=not args.sequential,
            env=env,
        )
        for _ in range(args.rounds):
            for action in ("up", "destroy"):
                total, runs = timed(deployer, action)
                totals[action].append(total)
                for run in runs:
                    per_layer.setdefault((action, run.layer.value), []).append(run.seconds or 0.0)

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
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
