"""Benchmark: the airlock's checks offline, and a whole release on the local cloud.

    .venv/bin/python benchmarks/airlock_bench.py [--mb 100] [--files 1000] [--rounds 3]
    # and, against an open workspace of the `local` site (README: "The airlock"):
    eval "$(scripts/toolchain env)"; eval "$(scripts/local-cloud env)"
    .venv/bin/python benchmarks/airlock_bench.py --cloud --project diabetes-cohort

Offline: every check (type by libmagic, size, strict UTF-8 table parsing, small cells,
identifiers, the extract's rows against a 10,000-row extract) on a generated CSV of --mb MB,
in MB/s, and on a request of --files small CSV files, in seconds; with the peak RSS. With
--cloud: submit (member alice) -> approve (officer 1) -> approve (officer 2) -> release (the
operator), each step timed, on the real cloud; the released request stays in the ledger and
its files in the release area until the workspace is closed. Figures are wall-clock on
whatever else the machine is doing: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hubctl.airlock.checks import Settings, inspect
from hubctl.airlock.checks.extract import ExtractIndex

REGIONS = ["nord", "sud", "est", "ouest", "centre", "bretagne", "alsace", "corse"]


def big_csv(path: Path, megabytes: int) -> int:
    """A results table of about `megabytes` MB: labels, counts of 10 or more, means."""
    rng = random.Random(24)
    target = megabytes * 1_000_000
    written = 0
    with path.open("w", encoding="utf-8") as out:
        header = "region,age_band,diagnostic,patients,stays,mean_hba1c,mean_los\n"
        out.write(header)
        written += len(header)
        while written < target:
            rows = [
                f"{rng.choice(REGIONS)},{rng.randrange(0, 100, 5)}-{rng.randrange(5, 105, 5)},"
                f"E{rng.randrange(10, 15)}.{rng.randrange(0, 9)},{rng.randrange(10, 5000)},"
                f"{rng.randrange(10, 9000)},{rng.uniform(5, 11):.2f},{rng.uniform(1, 30):.1f}\n"
                for _ in range(1000)
            ]
            block = "".join(rows)
            out.write(block)
            written += len(block)
    return path.stat().st_size


def extract_index() -> ExtractIndex:
    rng = random.Random(12)
    lines = ["patient,hba1c,age,region"] + [
        f"{i},{rng.uniform(5, 11):.1f},{rng.randrange(18, 95)},{rng.choice(REGIONS)}"
        for i in range(10_000)
    ]
    return ExtractIndex.of([("cohort.csv", "\n".join(lines).encode())])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def offline(megabytes: int, files: int, rounds: int) -> None:
    settings = Settings(file_bytes=2 * megabytes << 20, request_bytes=4 * megabytes << 20,
                        max_files=max(files, 1000))  # fmt: skip
    index = extract_index()
    with tempfile.TemporaryDirectory(prefix="airlock-bench-") as folder:
        table = Path(folder) / "results.csv"
        size = big_csv(table, megabytes)
        # The floor and the checks side by side in each round: the machine's load moves
        # between rounds, so the ratio is taken within a round.
        times: list[float] = []
        floor: list[float] = []
        ratios: list[float] = []
        findings: list[object] = []
        for _ in range(rounds):
            began = time.perf_counter()
            with table.open(encoding="utf-8", newline="") as handle:
                for _row in csv.reader(handle):
                    pass
            floor.append(time.perf_counter() - began)
            began = time.perf_counter()
            findings = list(inspect([table], settings, index)[1])
            times.append(time.perf_counter() - began)
            ratios.append(times[-1] / floor[-1])
        best = min(times)
        print(f"reading it with Python's csv module alone (the floor): "
              f"{size / 1e6 / min(floor):.1f} MB/s best of {rounds}")  # fmt: skip
        print(f"checks of one {size / 1e6:.0f} MB CSV ({len(findings)} findings): "
              f"{size / 1e6 / best:.1f} MB/s best of {rounds} "
              f"(median {size / 1e6 / statistics.median(times):.1f} MB/s, {best:.1f} s); "
              f"{min(ratios):.1f}x to {max(ratios):.1f}x the floor's time, same round")  # fmt: skip
        small = Path(folder) / "small"
        small.mkdir()
        paths = []
        for i in range(files):
            path = small / f"table_{i:04d}.csv"
            path.write_text(f"region,patients\nnord,{100 + i}\nsud,{200 + i}\n")
            paths.append(path)
        times = []
        for _ in range(rounds):
            began = time.perf_counter()
            inspect(paths, settings, index)
            times.append(time.perf_counter() - began)
        print(f"checks of a request of {files} small files: {min(times):.2f} s best of {rounds} "
              f"(median {statistics.median(times):.2f} s)")  # fmt: skip
    print(f"peak RSS {peak_rss_mb():.0f} MB; load average {os.getloadavg()[0]:.1f}")


def officer_env(script: str, number: str) -> dict[str, str]:
    """The OS_* variables `scripts/local-cloud env officer N` prints."""
    printed = subprocess.run(
        [script, "env", "officer", number], capture_output=True, text=True, check=True
    ).stdout
    env: dict[str, str] = {}
    for line in printed.splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env


def on_cloud(site: str, project: str) -> None:
    from hubcore.paths import REPO_ROOT
    from hubctl.airlock.store import Store
    from hubctl.cloud import connect_from_env
    from hubctl.commands.airlock import _airlock, _extract

    operator = dict(os.environ)
    officers = [officer_env(str(REPO_ROOT / "scripts/local-cloud"), n) for n in "12"]
    keys = [k for k in operator if k.startswith("OS_")]

    def acting(env: dict[str, str]) -> None:
        for key in keys:
            os.environ.pop(key, None)
        os.environ.update({k: v for k, v in env.items() if k.startswith("OS_")})

    with tempfile.TemporaryDirectory(prefix="airlock-bench-") as folder:
        table = Path(folder) / "summary.csv"
        table.write_text("region,patients,mean_hba1c\nnord,120,7.1\nsud,98,6.9\n")
        steps: list[tuple[str, float]] = []
        began = time.perf_counter()
        member = _airlock(site, project, "alice")
        request = member.submit([table], "benchmark", _extract(member))
        steps.append(("submit (alice)", time.perf_counter() - began))
        for number, env in enumerate(officers, start=1):
            acting(env)
            start = time.perf_counter()
            _airlock(site, project).approve(request.id, "benchmark")
            steps.append((f"approve (officer {number})", time.perf_counter() - start))
        acting(operator)
        start = time.perf_counter()
        airlock = _airlock(site, project)
        releaser = Store(connect_from_env(operator), airlock.store.names)
        done = airlock.release(request.id, releaser, _extract(airlock))
        steps.append(("release (operator)", time.perf_counter() - start))
    total = time.perf_counter() - began
    for name, seconds in steps:
        print(f"  {name:<22} {seconds:6.2f} s")
    print(f"submit -> two approvals -> release of {done.id}: {total:.2f} s "
          f"(load average {os.getloadavg()[0]:.1f})")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cloud", action="store_true")
    parser.add_argument("--site", default="local")
    parser.add_argument("--project", default="diabetes-cohort")
    args = parser.parse_args()
    if args.cloud:
        on_cloud(args.site, args.project)
    else:
        offline(args.mb, args.files, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
