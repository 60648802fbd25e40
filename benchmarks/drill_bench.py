"""The drill's RTO on the local cloud: the parallel plan versus a strictly layer-by-layer rebuild.

    eval "$(scripts/toolchain env)"; eval "$(scripts/local-cloud env)"
    .venv/bin/python benchmarks/drill_bench.py [--rounds N] [--fence]

Runs `hubctl drill --site local --to local-dr` (parallel plan), then the same with
`--sequential`, N times each alternately (so a slow minute of the machine hurts both), and
prints each RTO from the drills' own reports, then the medians and their ratio. With
`--fence` every drill runs inside `scripts/local-cloud isolate LOCAL1 --at-loss` (LOCAL1
refused from t0). For each drill it also prints the data's own spans: key recovery in the DR
region, decryption and verification against the manifests, re-sealing under the DR site's
keys, with the bytes verified. Every drill cleans up after itself; the reports stay in
reports/bench-*/.
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


def run_drill(sequential: bool, directory: Path, fence: bool = False) -> float:
    command = [
        *([str(REPO_ROOT / "scripts" / "local-cloud"), "isolate", "LOCAL1", "--at-loss", "--"]
          if fence else []),
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
    report = load_report(directory)
    for item in report.datasets:
        spans = {
            name: span.end - span.start
            for name, span in (
                ("key recovery", item.recovery),
                ("decrypt+verify", item.decrypt_verify),
                ("re-seal", item.reseal),
            )
            if span is not None
        }
        shown = ", ".join(f"{name} {seconds:5.2f} s" for name, seconds in spans.items())
        print(f"    dataset {item.dataset}: {item.verified} objects, {item.bytes} bytes; {shown}")
    if report.primary_refused is not None:
        print(f"    primary refused after the loss: {report.primary_refused}")
    return report.rto.total_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--fence", action="store_true", help="Refuse LOCAL1 from t0.")
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results: dict[str, list[float]] = {"parallel": [], "sequential": []}
    for round_ in range(args.rounds):
        for mode in ("parallel", "sequential"):
            directory = REPO_ROOT / "reports" / f"bench-{stamp}" / f"{mode}-{round_}"
            rto = run_drill(mode == "sequential", directory, args.fence)
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
