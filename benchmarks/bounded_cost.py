"""The pack's cost on hostile sizes: seconds and peak memory, each case in a fresh process.

    .venv/bin/python benchmarks/bounded_cost.py [--rules 30000] [--export-mb 50] [--repeat 1]

- `rules`: one security group of the staging network layer holding N ingress rules (every
  other one a /32 of public space, the rest pieces that cover the world together on TCP 22),
  judged by every rule of the pack (`policies.evaluate.evaluate`, in process). The world
  coverage is a sweep over ports with a segment tree over addresses (policies/neutron.py
  world_reach): n log n, where the pairwise version was quadratic (a hang at 30,000). Also
  printed at N/4 and N/2, so the growth shows.
- `export`: a `pulumi stack export` of about M MB (the staging compute layer's resources
  repeated under distinct URNs), read and judged as `hubctl check --state FILE` does.

Wall time depends on what else the machine runs; the CPU time (user + system of the process)
is the steadier figure. Peak memory is the child's maximum resident set (getrusage), which
includes the interpreter and the imported SDKs (about 80 MB before any work): compare rows,
not absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

RULES_CASE = r"""
import dataclasses, gc, json, resource, sys, time
sys.path.insert(0, {repo!r})
from hubctl.targets import target_of_synth
from synth.synthesis import synthesize
from policies.config import load_pack_config
from policies.evaluate import evaluate
from policies.model import ResourceView

count = {count}
target = target_of_synth(synthesize("staging-network"))
group = next(v for v in target.resources if v.type.endswith("secGroup:SecGroup")
             and "app" in v.name)
provider = next(v for v in target.resources if v.type == "pulumi:providers:openstack")
added = []
for i in range(count):
    if i % 2:  # a public address
        prefix = f"{{11 + (i >> 16) % 100}}.{{(i >> 8) % 256}}.{{i % 256}}.7/32"
    else:  # a /8: the 256 of them cover the world together
        prefix = f"{{(i // 2) % 256}}.0.0.0/8"
    low = 20 + i % 50
    name = f"flood-{{i}}"
    added.append(ResourceView(
        urn=f"urn:pulumi:staging-network::hub::openstack:networking/secGroupRule:SecGroupRule::{{name}}",
        type="openstack:networking/secGroupRule:SecGroupRule", name=name, id=name + "-id",
        inputs={{"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
                "portRangeMin": low, "portRangeMax": low + i % 7, "remoteIpPrefix": prefix,
                "securityGroupId": group.id}},
        provider_urn=provider.urn))
target = dataclasses.replace(target, resources=[*target.resources, *added])
gc.collect()
started, cpu = time.perf_counter(), time.process_time()
report = evaluate(target, load_pack_config())
elapsed = time.perf_counter() - started
print(json.dumps({{"seconds": elapsed, "cpu": time.process_time() - cpu,
                  "resources": len(target.resources),
                  "violations": len(report.violations),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

EXPORT_CASE = r"""
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from hubctl.targets import load_state
from policies.config import load_pack_config
from policies.evaluate import evaluate
started, cpu = time.perf_counter(), time.process_time()
target = load_state(__import__("pathlib").Path({path!r}))
loaded = time.perf_counter()
report = evaluate(target, load_pack_config())
done = time.perf_counter()
print(json.dumps({{"seconds": done - started, "cpu": time.process_time() - cpu,
                  "read": loaded - started,
                  "resources": len(target.resources), "violations": len(report.violations),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run(code: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the case failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def big_export(megabytes: int, directory: Path) -> Path:
    """A v3 export of about `megabytes` MB: the staging compute layer's custom resources
    repeated under distinct names (their parents, provider and references left as they are)."""
    sys.path.insert(0, str(REPO))
    from synth.synthesis import synthesize
    from tests.policies.exports import export_of

    base = export_of(synthesize("staging-compute"))
    resources = base["deployment"]["resources"]
    custom = [r for r in resources if r.get("custom") and not r["type"].startswith("pulumi:")]
    size = len(json.dumps(custom))
    out: list[dict[str, object]] = list(resources)
    copy = 0
    while size * (copy + 1) < megabytes * 1_000_000:
        copy += 1
        for item in custom:
            repeated = json.loads(json.dumps(item))
            repeated["urn"] = f"{item['urn']}-c{copy}"
            repeated["id"] = f"{item.get('id', '')}-c{copy}"
            out.append(repeated)
    base["deployment"]["resources"] = out
    path = directory / "export.json"
    path.write_text(json.dumps(base, indent=1), encoding="utf-8")
    return path


def _row(label: str, best: dict[str, float]) -> str:
    return (
        f"{label:<40} {best['seconds']:>8.2f} {best['cpu']:>8.2f} {best['peak_mb']:>8.0f} "
        f"{int(best['resources']):>10,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=30_000)
    parser.add_argument("--export-mb", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=1)
    options = parser.parse_args()
    print(f"{'case':<40} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'resources':>10}")
    for count in sorted({options.rules // 4, options.rules // 2, options.rules}):
        case = RULES_CASE.format(repo=str(REPO), count=count)
        best = min((run(case) for _ in range(options.repeat)), key=lambda r: r["cpu"])
        print(_row(f"{count:,} rules in one group (evaluate)", best))
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        path = big_export(options.export_mb, Path(scratch))
        made = time.perf_counter() - started
        megabytes = path.stat().st_size / 1_000_000
        case = EXPORT_CASE.format(repo=str(REPO), path=str(path))
        best = min((run(case) for _ in range(options.repeat)), key=lambda r: r["cpu"])
        print(_row(f"{megabytes:.0f} MB export (read + evaluate)", best))
        print(f"  of which reading the export: {best['read']:.2f} s (export made in {made:.1f} s)")
    own = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"largest child: {own:.0f} MB resident")


if __name__ == "__main__":
    main()
