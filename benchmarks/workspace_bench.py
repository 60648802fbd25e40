"""Benchmark: research workspaces at scale (offline) and on the local cloud.

    .venv/bin/python benchmarks/workspace_bench.py [--manifests 200] [--rounds 3]
    # and, against a deployed `local` site (its network, kms and storage layers):
    eval "$(scripts/toolchain env)"; eval "$(scripts/local-cloud env)"
    .venv/bin/python benchmarks/workspace_bench.py --cloud [--parallel 5]

Offline: N generated manifests for the local site; `hubctl workspace list` (the command, a new
process each time, as an operator runs it) and `hubctl check` of N workspace stacks at once (as
a review job runs it). Targets of issue 12: list <= 2 s, check of every workspace <= 30 s.
With --cloud: `hubctl workspace open` of one workspace, its `close`, then `--parallel` opens at
once (separate processes) and their ratio to one open (target <= 2x). Every workspace opened
here is closed again and every file written is removed. Figures are wall-clock on whatever else
the machine is doing; the script prints the load average with them.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from ipaddress import IPv4Network
from pathlib import Path

import yaml

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import STACKS_DIR
from hubctl.workspaces.common import REPORTS_ENV
from hubctl.workspaces.manifest import PROJECTS_ENV
from hubctl.workspaces.opened import write_stack_file
from infra.config import WorkspaceSpec

HUBCTL = str(REPO_ROOT / ".venv" / "bin" / "hubctl")
SIGNATURE = "AAAAC3NzaC1lZDI1NTE5AAAAIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH"


def manifest(project: str, index: int, expires: str = "2027-11-30") -> dict[str, object]:
    return {
        "id": project,
        "title": f"Benchmark project {index}",
        "authorisation": {"reference": f"DR-2026-{index:03d}", "ends": "2027-12-31"},
        "datasets": ["synthetic-cohorts"] if index % 2 else ["synthetic-claims"],
        "members": [
            {
                "id": f"m{k}",
                "email": f"m{k}@univ.example",
                "role": "analyst" if k else "investigator",
                "sshPublicKey": f"ssh-ed25519 {SIGNATURE} m{k}",
            }
            for k in range(1 + index % 3)
        ],
        "starts": "2026-11-01",
        "expires": expires,
        "size": {"count": 1, "flavor": "d2-2", "volumeGb": 10},
        "classification": "internal",
    }


def write_manifests(root: Path, ids: list[str], **extra: str) -> None:
    folder = root / "local"
    folder.mkdir(parents=True, exist_ok=True)
    for index, project in enumerate(ids):
        data = manifest(project, index, **extra)
        (folder / f"{project}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


CPU: list[float] = []
CIPHER = "v1:" + base64.b64encode(bytes(12)).decode() + ":" + base64.b64encode(bytes(32)).decode()


def timed_run(
    argv: list[str], env: dict[str, str]
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of one command; its CPU time (user + system) goes to CPU, which says more
    than wall time on a machine other sessions load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return time.monotonic() - started, result


def offline(count: int, rounds: int) -> None:
    tag = secrets.token_hex(3)
    ids = [f"bench-{tag}-{i:03d}" for i in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "projects"
        write_manifests(root, ids)
        env = {**os.environ, PROJECTS_ENV: str(root), REPORTS_ENV: str(Path(folder) / "r")}
        times = []
        CPU.clear()
        for _ in range(rounds):
            seconds, result = timed_run([HUBCTL, "workspace", "list", "--site", "local"], env)
            if result.returncode != 0:
                raise SystemExit(result.stderr)
            times.append(seconds)
        rows = len([ln for ln in result.stdout.splitlines() if ln.startswith("bench-")])
        print(f"workspace list, {rows} manifests: median {statistics.median(times):.2f} s wall, "
              f"{statistics.median(CPU):.2f} s CPU ({rounds} runs; target <= 2 s)")  # fmt: skip

        # As many open workspaces: their stack files, as `open` writes them.
        written = []
        ranges = list(IPv4Network("10.41.0.0/16").subnets(new_prefix=24))
        try:
            for index, project in enumerate(ids):
                data = manifest(project, index)
                spec = WorkspaceSpec.model_validate({**data, "cidr": str(ranges[index])})
                path = write_stack_file("local", spec)
                # `config` is the file's last mapping: the secret goes in it, as `open` sets it
                # (the form of Pulumi ciphertext; offline nobody decrypts it).
                path.write_text(
                    path.read_text() + f"  hub:memberPasswords:\n    secure: {CIPHER}\n"
                )
                written.append(path)
            argv = [HUBCTL, "check", "--format", "json", "--output", str(Path(folder) / "c.json")]
            for project in ids:
                argv += ["--stack", f"local-ws-{project}"]
            seconds, result = timed_run(argv, env)
            if result.returncode not in (0, 1):
                raise SystemExit(result.stderr[-2000:])
            print(f"hubctl check of {count} workspace stacks: {seconds:.1f} s wall, "
                  f"{CPU[-1]:.1f} s CPU (exit {result.returncode}; target <= 30 s)")  # fmt: skip
        finally:
            for path in written:
                path.unlink(missing_ok=True)


def cloud(parallel: int) -> None:
    tag = secrets.token_hex(3)
    one, many = f"bench-{tag}-one", [f"bench-{tag}-p{i}" for i in range(parallel)]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "projects"
        write_manifests(root, [one, *many])
        env = {**os.environ, PROJECTS_ENV: str(root), REPORTS_ENV: str(Path(folder) / "r")}
        opened: list[str] = []

        def open_(project: str) -> float:
            argv = [HUBCTL, "workspace", "open", "--site", "local", "--project", project]
            seconds, result = timed_run(argv, env)
            if result.returncode != 0:
                raise SystemExit(f"open {project} failed:\n{result.stdout}\n{result.stderr}")
            opened.append(project)
            return seconds

        def close(project: str) -> float:
            argv = [HUBCTL, "workspace", "close", "--site", "local", "--project", project]
            seconds, result = timed_run(argv, env)
            if result.returncode != 0:
                raise SystemExit(f"close {project} failed:\n{result.stdout}\n{result.stderr}")
            opened.remove(project)
            return seconds

        try:
            single = open_(one)
            print(f"open one workspace: {single:.1f} s (target <= 60 s)")
            print(f"close one workspace: {close(one):.1f} s (target <= 30 s)")
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=parallel) as pool:
                each = list(pool.map(open_, many))
            wall = time.monotonic() - started
            print(f"open {parallel} in parallel: {wall:.1f} s wall (each {min(each):.1f} to "
                  f"{max(each):.1f} s); ratio {wall / single:.2f} (target <= 2)")  # fmt: skip
        finally:
            for project in list(opened):
                close(project)
            for project in [one, *many]:
                (STACKS_DIR / f"Pulumi.local-ws-{project}.yaml").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cloud", action="store_true")
    parser.add_argument("--parallel", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", file=sys.stderr)
    if args.cloud:
        cloud(args.parallel)
    else:
        offline(args.manifests, args.rounds)


if __name__ == "__main__":
    main()
