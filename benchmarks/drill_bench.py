"""The drill's RTO on the local cloud: the parallel plan versus a strictly layer-by-layer rebuild.

    eval "$(scripts/toolchain env)"; eval "$(scripts/local-cloud env)"
    .venv/bin/python benchmarks/drill_bench.py [--rounds N]

Runs `hubctl drill --site local --to local-dr` (parallel plan), then the same with
`--sequential`, N times each alternately (so a slow minute of the machine hurts both), and
prints each RTO from the drills' own reports, then the medians and their ratio. Every drill
cleans up after itself; the reports stay in reports/bench-*/.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from hubctl.drill.report import load_report  # noqa: E402


def run_drill(sequential: bool, directory: Path) -> float:
    command = [
        sys.executable, "-m", "hubctl.cli", "drill", "--site", "local", "--to", "local-dr",
        "--report-dir", str(directory),
    ]  # fmt: skip
    if sequential:
        command.append("--sequential")
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(
            f"drill failed ({'sequential' if sequential else 'parallel'}): {directory}"
        )
    return load_report(directory).rto.total_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results: dict[str, list[float]] = {"parallel": [], "sequential": []}
    for round_ in range(args.rounds):
        for mode in ("parallel", "sequential"):
            directory = REPO_ROOT / "reports" / f"bench-{stamp}" / f"{mode}-{round_}"
            rto = run_drill(mode == "sequential", directory)
            results[mode].append(rto)
            shown = directory.relative_to(REPO_ROOT)
            print(f"round {round_ + 1} {mode:<10} RTO {rto:7.1f} s  ({shown})")
    parallel = statistics.median(results["parallel"])
    sequential = statistics.median(results["sequential"])
    print(f"drill RTO, parallel plan:     {parallel:7.1f} s (median of {args.rounds})")
    print(f"drill RTO, layer by layer:    {sequential:7.1f} s (median of {args.rounds})")
    print(f"sequential / parallel:        {sequential / parallel:7.2f}x")


if __name__ == "__main__":
    main()
