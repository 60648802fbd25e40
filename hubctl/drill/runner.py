"""The drill: refuse what is unsafe, rebuild the DR site from empty, restore, verify, measure,
report, clean up.

Safety, in the order it is enforced:
  - plan.prepare refuses a production target, a target that is not the site's declared DR site,
    and a target in the site's own region, before anything runs;
  - every write goes to the target site: its stacks (`<target>-<layer>`), its project and region
    (cloud.site_cloud), its containers. The primary is only ever *read*, and only to measure the
    RPO just before the simulated loss, and never when it is a production site;
  - state-loss rebuilds into a fresh backend the drill creates and checks is empty;
  - unless --keep, everything the drill built is destroyed at the end, pass or fail;
  - Ctrl-C stops the engine (it finishes the resource operations in flight), the report lists
    what exists, and the journal lets the next run converge the same stacks instead of
    duplicating them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hubctl.drill.assemble import assemble_report, judge, layer_reports
from hubctl.drill.checking import boot_and_check_hosts, check_layers, check_state
from hubctl.drill.cleanup import finish
from hubctl.drill.context import Drill, Ending, Records
from hubctl.drill.loss import Loss, lose_primary, observe_primary
from hubctl.drill.model import DrillReport, Outcome
from hubctl.drill.rebuild import rebuild
from hubctl.drill.start import Start, begin
from hubctl.drill.timing import EventRecorder


class DrillRun(Drill):
    """A drill, run: its phases in order, each a function of what the ones before it made."""

    def run(self) -> DrillReport:
        start = begin(self)
        primary = observe_primary(self, start)
        loss = lose_primary(self, start, primary)
        records = Records()
        recorder = EventRecorder(loss.t0, self.report_dir / "events")
        ending = rebuild_and_check(self, start, loss, records, recorder)
        layers = layer_reports(self, loss.t0, records, recorder)
        ending = judge(ending, layers, records)
        report = assemble_report(self, start, loss, records, layers, ending)
        return finish(self, start, records, report, ending.outcome)


def rebuild_and_check(
    drill: Drill, start: Start, loss: Loss, records: Records, recorder: EventRecorder
) -> Ending:
    """Rebuild (the restore alongside), boot and check the hosts, verify, check the state:
    stopped by the first thing that breaks or by Ctrl-C, which the ending says."""
    outcome = Outcome.PASSED
    failure: str | None = None
    try:
        rebuild(drill, start, loss, records, recorder)
        boot_and_check_hosts(drill, start.target_cloud, loss.t0, records)
        check_layers(drill, start.target_cloud, start.env, records)
        check_state(drill, start.env, records)
    except KeyboardInterrupt:
        outcome, failure = Outcome.INTERRUPTED, "stopped by Ctrl-C"
    except Exception as error:  # the report is written whatever broke, then clean-up runs
        outcome, failure = Outcome.FAILED, f"{type(error).__name__}: {error}"
    finally:
        recorder.close()
    return Ending(outcome=outcome, failure=failure, finished_at=datetime.now(UTC))
