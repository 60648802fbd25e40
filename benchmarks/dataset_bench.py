"""Benchmark: `hubctl dataset load` / `read` against plain `swift upload` / `download`.

    eval "$(scripts/toolchain env)"; eval "$(scripts/local-cloud env)"
    .venv/bin/python benchmarks/dataset_bench.py [--site local] [--dataset synthetic-cohorts] \
        [--mb 8 32] [--rounds 3]

The same random bytes (one file per size) go through both paths in one run, alternately, as
separate processes the way an operator runs them: `hubctl dataset load` (read, seal with a
data key per object, wrap it under the dataset key fetched from Barbican, upload, write the
next manifest) and `hubctl dataset read` (download, unwrap, decrypt, SHA-256 against the
manifest), against `swift upload` / `swift download` of the same file into the same container
under another name. The ratio is the encryption's cost. Every object written here, and every
manifest version the loads wrote, is deleted afterwards (all their versions), so the dataset is
left with the manifests it had. Figures are wall-clock on whatever else the machine is doing;
the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hubcore.paths import REPO_ROOT
from hubctl.cloud import site_cloud
from hubctl.datasets.manifest import MANIFEST_PREFIX
from hubctl.deploy import site_config
from infra.layers.storage import container_names


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}...: {done.stderr.decode()[-2000:]}")
    return time.perf_counter() - start


def remove_all_versions(conn: object, container: str, names: set[str]) -> int:
    listing = conn.object_store.get(  # type: ignore[attr-defined]
        f"/{container}", params={"format": "json", "versions": ""}
    ).json()
    removed = 0
    for item in listing:
        if item["name"] in names:
            params = {"version-id": item["version_id"]} if item.get("version_id") else {}
            conn.object_store.delete(f"/{container}/{item['name']}", params=params)  # type: ignore[attr-defined]
            removed += 1
    return removed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="local")
    parser.add_argument("--dataset", default="synthetic-cohorts")
    parser.add_argument("--mb", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    config = site_config(args.site)
    container = container_names(config)[f"dataset-{args.dataset}"]
    # The benchmark reads the raw object store, beside what hubctl does through its seam.
    conn: Any = site_cloud(args.site, config.region_name).connect()
    manifests_before = {
        o.name for o in conn.object_store.objects(container, prefix=MANIFEST_PREFIX)
    }
    hubctl = [sys.executable, "-m", "hubctl.cli", "dataset"]
    site = ["--site", args.site, "--dataset", args.dataset]
    written: set[str] = set()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.rounds} rounds; container {container}")
    print(f"{'MB':>5} {'path':<22} {'load MB/s':>10} {'read MB/s':>10}")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for size in args.mb:
                tag = secrets.token_hex(4)
                sealed = Path(scratch) / f"bench-{tag}-{size}mb.bin"
                plain = Path(scratch) / f"bench-{tag}-{size}mb-plain.bin"
                data = os.urandom(size * 1024 * 1024)
                sealed.write_bytes(data)
                plain.write_bytes(data)
                written |= {sealed.name, plain.name}
                out = Path(scratch) / "out.bin"
                hub_load, hub_read, swift_up, swift_down = [], [], [], []
                for _ in range(args.rounds):
                    hub_load.append(timed([*hubctl, "load", *site, str(sealed)]))
                    swift_up.append(
                        timed(
                            ["swift", "upload", container, str(plain), "--object-name", plain.name]
                        )
                    )
                    hub_read.append(timed([*hubctl, "read", *site, sealed.name, "-o", str(out)]))
                    swift_down.append(
                        timed(["swift", "download", container, plain.name, "-o", str(out)])
                    )
                times = {"hl": hub_load, "hr": hub_read, "sl": swift_up, "sr": swift_down}
                rate = {k: size / statistics.median(v) for k, v in times.items()}
                print(f"{size:>5} {'hubctl dataset':<22} {rate['hl']:>10.1f} {rate['hr']:>10.1f}")
                print(f"{size:>5} {'swift (plain)':<22} {rate['sl']:>10.1f} {rate['sr']:>10.1f}")
                print(
                    f"{size:>5} {'ratio swift/hubctl':<22} {rate['sl'] / rate['hl']:>10.2f} "
                    f"{rate['sr'] / rate['hr']:>10.2f}"
                )
    finally:
        manifests_now = {
            o.name for o in conn.object_store.objects(container, prefix=MANIFEST_PREFIX)
        }
        removed = remove_all_versions(conn, container, written | (manifests_now - manifests_before))
        print(f"removed {removed} object version(s) written by the benchmark")


if __name__ == "__main__":
    main()
