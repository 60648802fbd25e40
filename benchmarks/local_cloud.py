"""Benchmark of the local cloud: cold start, warm starts, stop, and the memory it holds.

    python3 benchmarks/local_cloud.py [--keep-cold-dir]

Cold start runs on an empty state folder of its own (LOCAL_CLOUD_DIR, a temporary folder), so the
cloud under .local-cloud/ and whatever is deployed on it are not touched: it is stopped first
(both use the same ports) and started again at the end if it was running. With --isolated it is
left running, for a run in a network namespace of its own:

    unshare -n sh -c 'ip link set lo up && python3 benchmarks/local_cloud.py --isolated'
 The packages must be
installed already (`scripts/local-cloud install`); the install time of the last install is read
from .local-cloud/apt-install-seconds when it exists.

Timings are wall-clock on whatever else the machine is doing: on a 2-core machine shared with
builds, expect them to move by tens of percent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from localcloud.layout import Layout  # noqa: E402
from localcloud.processes import instance_processes  # noqa: E402

SCRIPT = str(REPO / "scripts" / "local-cloud")


def timed(command: str, state: Path | None) -> float:
    env = dict(os.environ)
    if state is not None:
        env["LOCAL_CLOUD_DIR"] = str(state)
    started = time.monotonic()
    subprocess.run([SCRIPT, command], cwd=REPO, env=env, check=True, timeout=1800)
    return round(time.monotonic() - started, 1)


def memory(state: Path) -> dict[str, float]:
    """RSS summed over the cloud's processes, and PSS (shared pages counted once)."""
    rss_kib = pss_kib = 0
    pids = instance_processes(Layout(state))
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Rss:"):
                        rss_kib += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss_kib += int(line.split()[1])
        except OSError:
            continue
    return {
        "processes": len(pids),
        "rss_mib": round(rss_kib / 1024),
        "pss_mib": round(pss_kib / 1024),
    }


def cpu_seconds(state: Path) -> float:
    """User+system CPU time consumed so far by the cloud's live processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in instance_processes(Layout(state)):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return total / ticks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-cold-dir", action="store_true")
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="leave the cloud of .local-cloud/ alone: for a run inside a network namespace of "
        "its own (unshare -n), where the ports are free",
    )
    args = parser.parse_args()

    default_state = REPO / ".local-cloud"
    was_running = not args.isolated and bool(instance_processes(Layout(default_state)))
    if was_running:
        timed("stop", None)

    results: dict[str, object] = {}
    apt = default_state / "apt-install-seconds"
    if apt.exists():
        results["apt_install_s"] = float(apt.read_text().strip())

    cold_dir = Path(tempfile.mkdtemp(prefix="local-cloud-bench-"))
    try:
        results["cold_start_s"] = timed("start", cold_dir)
        results["warm_start_running_s"] = timed("start", cold_dir)
        time.sleep(30)  # let periodic tasks settle before reading memory and idle CPU
        before = cpu_seconds(cold_dir)
        time.sleep(30)
        results["idle_cpu_percent_of_one_core"] = round((cpu_seconds(cold_dir) - before) / 30 * 100)
        results["memory"] = memory(cold_dir)
        results["stop_s"] = timed("stop", cold_dir)
        results["start_after_stop_s"] = timed("start", cold_dir)
        results["stop_again_s"] = timed("stop", cold_dir)
    finally:
        if instance_processes(Layout(cold_dir)):
            timed("stop", cold_dir)
        if not args.keep_cold_dir:
            shutil.rmtree(cold_dir, ignore_errors=True)
        if was_running:
            timed("start", None)

    print(json.dumps(results, indent=2))
    for key, value in results.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
