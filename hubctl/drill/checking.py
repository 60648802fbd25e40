"""The checking phases of the rebuilt site, in the drill's order: its hosts' first boot, host
suite and flows (each a span of the RTO), its layers through the cloud's APIs and the policy
pack (the checks of verify.py, run here on what was rebuilt), and its state against the cloud.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from hubctl.cloud import rebuilt_site_of
from hubctl.deploy import LAYERS, select_stack
from hubctl.drill import verify
from hubctl.drill.cloud import SiteCloud
from hubctl.drill.context import Drill, Records
from hubctl.drill.measures import BOOT_SPAN
from hubctl.drill.model import Check, NotRestored, PhaseSpan
from hubctl.hosts import site as site_hosts
from hubctl.layers import HUB_LAYERS, Rebuilt, hosts_layer
from hubctl.verify import site as host_checks


def boot_and_check_hosts(drill: Drill, target: SiteCloud, t0: float, records: Records) -> None:
    """The rebuilt hosts' first boot, then the host suite and the flows, each a span."""
    compute = records.runs.get(hosts_layer())
    if not drill.hosts or compute is None or compute.status != "done":
        return
    conn = target.connect()

    def note(phase: str) -> Callable[[str], None]:
        return lambda line: drill.progress.phase(phase, "running", line)

    drill.progress.phase(BOOT_SPAN, "running")
    start = drill.clock()
    prepared = site_hosts.prepare(
        drill.target.site,
        conn,
        compute.outputs,
        wait=True,
        timeout_s=drill.boot_timeout_s,
        say=note(BOOT_SPAN),
    )
    failed = prepared.failed
    records.spans.append(
        PhaseSpan(
            name=BOOT_SPAN,
            start=start - t0,
            end=drill.clock() - t0,
            passed=not failed,
            detail=f"{len(prepared.boots) - len(failed)}/{len(prepared.boots)} hosts booted",
        )
    )
    drill.progress.phase(BOOT_SPAN, "failed" if failed else "done")
    records.checks += [
        Check(layer="compute", name=f"first boot of {b.name}", passed=b.ok, detail=b.line())
        for b in prepared.boots
    ]
    if failed or prepared.access is None:
        return
    verification = host_checks.from_hosts(conn, drill.target, prepared)
    for name, layer, method in (
        ("host suite", "compute", verification.check_hosts),
        ("flows", "network", verification.check_flows),
    ):
        drill.progress.phase(name, "running")
        start = drill.clock()
        cases = method(note(name))
        bad = [c for c in cases if not c.passed]
        records.spans.append(
            PhaseSpan(
                name=name,
                start=start - t0,
                end=drill.clock() - t0,
                passed=not bad and bool(cases),
                detail=f"{len(cases) - len(bad)}/{len(cases)} as expected",
            )
        )
        drill.progress.phase(name, "failed" if bad else "done")
        records.checks += host_checks.as_checks(layer, cases)


def check_layers(drill: Drill, target: SiteCloud, env: dict[str, str], records: Records) -> None:
    """The rebuilt layers through the cloud's APIs, the policy pack's verdicts from the rebuild's
    logs, and each rebuilt stack's state judged offline."""
    drill.progress.phase("verify", "running")
    conn = target.connect()
    outputs = {layer: run.outputs for layer, run in records.runs.items() if run.status == "done"}
    for layer in LAYERS:
        if layer not in outputs:
            status = records.runs[layer].status if layer in records.runs else "not started"
            records.not_verified.append(
                NotRestored(
                    item=f"{layer.value} layer checks",
                    reason=f"the layer was not rebuilt ({status}), so nothing of it to check",
                )
            )
    rebuilt = Rebuilt(drill.target.site, records.restored)
    for entry in HUB_LAYERS:
        if entry.layer not in outputs:
            continue
        if entry.verify is not None:
            records.checks += entry.verify(rebuilt_site_of(conn), outputs[entry.layer], rebuilt)
        if entry.hosts is not None and not drill.hosts:
            records.not_verified.append(
                NotRestored(
                    item="hosts (first boot, host suite, flows)",
                    reason="the drill ran with --no-hosts (a cloud whose compute runs no "
                    "guest): nothing booted to check",
                )
            )
    logs = {
        run.stack: run.log.read_text(encoding="utf-8", errors="replace")
        for run in records.runs.values()
        if run.log is not None and run.log.exists() and run.status == "done"
    }
    policy, missing = verify.policy_checks(logs)
    records.checks += policy
    records.not_verified += missing
    records.checks += _state_policy_checks(drill, env, records)
    records.verified = True
    failed = sum(not c.passed for c in records.checks)
    drill.progress.phase(
        "verify",
        "done" if not failed else "failed",
        f"{len(records.checks)} checks, {failed} failed",
    )


def _state_policy_checks(drill: Drill, env: dict[str, str], records: Records) -> list[Check]:
    """Export each rebuilt stack and judge it offline; the exports never reach the report
    (they carry the stacks' encrypted secrets)."""
    with tempfile.TemporaryDirectory(prefix="drill-state-") as scratch:
        exports: dict[str, Path] = {}
        for layer, run in records.runs.items():
            if run.status != "done":
                continue
            deployment = select_stack(drill.target.site, layer, env).export_stack()
            path = Path(scratch) / f"{run.stack}.json"
            path.write_text(
                json.dumps({"version": deployment.version, "deployment": deployment.deployment})
            )
            exports[run.stack] = path
        return verify.state_policy_checks(exports)


def check_state(drill: Drill, env: dict[str, str], records: Records) -> None:
    """The rebuilt stacks' state against the cloud: a refresh preview must change nothing
    (the DR region's state, or the state-loss rebuild from nothing, says what is there)."""
    drill.progress.phase("state check", "running", "refresh preview of every layer")
    for layer, run in records.runs.items():
        if run.status != "done":
            continue
        name = f"state of {run.stack} matches the cloud"
        try:
            result = select_stack(drill.target.site, layer, env).preview_refresh(color="never")
            changes = {
                str(getattr(op, "value", op)): n
                for op, n in (result.change_summary or {}).items()
                if str(getattr(op, "value", op)) != "same" and n
            }
            records.checks.append(
                Check(
                    layer="state",
                    name=name,
                    passed=not changes,
                    detail="refresh preview: no changes"
                    if not changes
                    else "refresh preview would change: "
                    + ", ".join(f"{op} {n}" for op, n in sorted(changes.items())),
                )
            )
        except Exception as error:  # a refresh that cannot run is a failed check
            records.checks.append(
                Check(
                    layer="state",
                    name=name,
                    passed=False,
                    detail=f"{type(error).__name__}: {error}",
                )
            )
    drill.progress.phase("state check", "done")
