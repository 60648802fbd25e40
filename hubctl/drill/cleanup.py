"""After the report: unless --keep, everything the drill built destroyed and its journal
forgotten; an interrupted drill or clean-up leaves everything standing, and the report says why
and what exists, for the next run to take over.
"""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

from hubcore.stacks import Layer
from hubctl.deploy import LAYERS, SiteDeployer, delete_order_secrets, select_stack
from hubctl.drill.cloud import empty_container, output_containers
from hubctl.drill.context import Drill, Records
from hubctl.drill.model import Cleanup, DrillReport, Outcome, Scenario
from hubctl.drill.report import write_report
from hubctl.drill.start import Start, target_stacks


def finish(
    drill: Drill, start: Start, records: Records, report: DrillReport, outcome: Outcome
) -> DrillReport:
    """The report written, then the clean-up (or why nothing was destroyed) and the report
    written again with it; an interrupted drill leaves everything standing."""
    journal, env = start.journal, start.env
    if outcome is Outcome.INTERRUPTED:
        report.cleanup = left_standing(
            drill,
            env,
            "Interrupted: nothing was destroyed",
            "Run the same command again: it converges these stacks, then cleans up.",
        )
        journal.save(status="interrupted")
        write_report(report, drill.report_dir)
        return report
    write_report(report, drill.report_dir)
    try:
        report.cleanup = clean_up(drill, start, records, outcome)
    except KeyboardInterrupt:
        journal.save(status="interrupted")
        report.cleanup = left_standing(
            drill,
            env,
            "Clean-up interrupted",
            "Run the same command again: it converges, then cleans up.",
        )
    except Exception as error:  # the journal keeps the stacks for the next run
        journal.save(status="cleanup-failed")
        report.cleanup = left_standing(
            drill, env, f"Clean-up failed ({type(error).__name__}: {error})"
        )
    write_report(report, drill.report_dir)
    return report


def left_standing(drill: Drill, env: dict[str, str], why: str, then: str = "") -> Cleanup:
    """Nothing destroyed: the report says why and what exists, for the next run to take over."""
    detail = f"{why}. What exists: {inventory(drill, env)}" + (f". {then}" if then else "")
    return Cleanup(kept=True, destroyed=False, seconds=None, detail=detail)


def inventory(drill: Drill, env: dict[str, str]) -> str:
    try:
        found = [
            f"{s.name.split('/')[-1]} ({s.resource_count or 0} resources)"
            for s in target_stacks(drill, env)
        ]
    except Exception as error:  # the report must still be written
        return f"stacks unknown ({type(error).__name__})"
    return ", ".join(found) or "no stack"


def clean_up(drill: Drill, start: Start, records: Records, outcome: Outcome) -> Cleanup:
    """Unless --keep: the restored containers emptied, every stack destroyed and removed, the
    state-loss backend deleted, the journal forgotten; a failed destroy keeps the journal."""
    env, target, backend, journal = start.env, start.target_cloud, start.backend, start.journal
    if drill.keep:
        journal.save(status="kept")
        return Cleanup(
            kept=True,
            destroyed=False,
            seconds=None,
            detail="Kept (--keep): the DR site stays up. `hubctl down --site "
            f"{drill.target.site}` removes it; the next drill converges it instead.",
        )
    drill.progress.phase("clean up", "running")
    begun = drill.clock()
    emptied = 0
    try:
        conn = target.connect()
        storage = records.runs.get(Layer.STORAGE)
        for name in output_containers(storage).values():
            emptied += empty_container(conn, name)
    except Exception as error:  # destroy will say what is left
        drill.progress.phase("clean up", "running", f"emptying containers: {error}")
    # Everything in these stacks was made by drills (the journal and the empty-target
    # check guarantee it), so protected resources may go too.
    destroyer = SiteDeployer(
        site=drill.target.site,
        log_dir=drill.report_dir / "logs",
        parallel=drill.plan.parallel,
        policy_pack=None,
        env=env,
        unprotect=True,
    )
    destroyed = destroyer.run("destroy")
    ok = all(run.status == "done" for run in destroyed)
    orphans = 0
    if ok:
        orphans = delete_order_secrets(target.connect(), drill.target.site)
        for layer in LAYERS:
            stack = select_stack(drill.target.site, layer, env)
            stack.workspace.remove_stack(stack.name, preserve_config=True)
        if drill.plan.scenario is Scenario.STATE_LOSS and backend.startswith("file://"):
            shutil.rmtree(urlparse(backend).path, ignore_errors=True)
        journal.forget()
    else:
        journal.save(status="failed" if outcome is Outcome.FAILED else "cleanup-failed")
    seconds = drill.clock() - begun
    drill.progress.phase("clean up", "done" if ok else "failed")
    detail = (
        f"Destroyed every stack of {drill.target.site} ({emptied} restored object version(s) "
        f"deleted first), deleted the {orphans} dataset key secret(s) its Barbican orders "
        "had generated (destroying an order leaves its secret), and removed the stacks "
        "from the backend."
        if ok
        else "Destroy failed for "
        + ", ".join(r.stack for r in destroyed if r.status != "done")
        + f": see logs/*.destroy.log; `hubctl down --site {drill.target.site}` retries."
    )
    return Cleanup(kept=False, destroyed=ok, seconds=seconds, detail=detail)
