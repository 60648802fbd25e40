"""Every host of a site booted and hardened, timed from the moment its compute layer starts.

    python benchmarks/boot_bench.py [--site local] [--rounds 1] [--keep]

Against a data-plane local cloud (`LOCAL_CLOUD_DATA_PLANE=1 scripts/local-cloud start`), with
the engine on PATH (`eval "$(scripts/toolchain env)"`) and the cloud's credentials
(`eval "$(scripts/local-cloud env)"`). Each round destroys the site's compute layer (if it has
one), deploys it again through the same deployer as `hubctl up` (the network, kms and storage
layers must be up: `hubctl up --site S` once), and waits, as `hubctl up` does, for every host's
cloud-init result on its console. It prints, per round: the compute layer's own time (volumes
from the signed image, ports, servers), each host's hardened first boot counted from the compute
layer's start, the slowest of them against the 600 s target, and the machine's load average
(the figures move with whatever else shares the two cores). The last round's site stays up with
--keep; otherwise its compute layer is destroyed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hubcore.stacks import Layer, StackName  # noqa: E402
from hubctl.cloud import hosts_of  # noqa: E402
from hubctl.deploy import Action, SiteDeployer, run_stack  # noqa: E402
from hubctl.hosts import boot  # noqa: E402

TARGET_S = 600.0


def compute(site: str, action: Action, deployer: SiteDeployer, log_dir: Path) -> dict[str, object]:
    """The compute layer's up or destroy, as `hubctl up` runs it (policy pack included)."""
    run = run_stack(
        StackName(site, Layer.COMPUTE),
        action,
        log_dir / f"{site}-compute.{action}.log",
        deployer.engine_env(),
    )
    if run.status != "done":
        raise SystemExit(f"compute {action} failed: {run.error} (log: {run.log})")
    return run.outputs


def round_once(site: str, log_dir: Path) -> dict[str, object]:
    deployer = SiteDeployer(site=site, log_dir=log_dir, parallel=True)
    compute(site, "destroy", deployer, log_dir)
    load = os.getloadavg()[0]
    started = time.monotonic()
    outputs = compute(site, "up", deployer, log_dir)
    compute_s = time.monotonic() - started
    hosts = dict(outputs["instances"])  # type: ignore[call-overload]
    boots = boot.wait(hosts_of(deployer.cloud().connect()), hosts, say=lambda line: None)
    per_host = {
        b.name: round(compute_s + (b.seconds or 0.0), 1) if b.ok else f"{b.state}: {b.errors[:2]}"
        for b in boots
    }
    finished = [v for v in per_host.values() if isinstance(v, float)]
    slowest = max(finished) if len(finished) == len(per_host) else None
    return {
        "site": site,
        "hosts": len(per_host),
        "compute_layer_s": round(compute_s, 1),
        "hardened_boot_since_compute_start_s": per_host,
        "slowest_s": slowest,
        "target_s": TARGET_S,
        "within_target": slowest is not None and slowest <= TARGET_S,
        "load_average_at_start": round(load, 2),
        "load_average_at_end": round(os.getloadavg()[0], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="local")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the last round's hosts up")
    args = parser.parse_args()
    log_dir = REPO / ".state" / "logs" / f"boot-bench-{time.strftime('%Y%m%dT%H%M%S')}"
    for _ in range(args.rounds):
        print(json.dumps(round_once(args.site, log_dir)), flush=True)
    if not args.keep:
        compute(args.site, "destroy", SiteDeployer(site=args.site, log_dir=log_dir), log_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
