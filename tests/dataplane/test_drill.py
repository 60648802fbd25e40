"""The DR drill on the data plane: the rebuilt hosts boot, pass the host suite and the flows,
and each of those is a span of the RTO in the report and its timeline chart."""

from __future__ import annotations

import pytest

from hubctl.drill.measures import BOOT_SPAN
from hubctl.drill.report import CHART_NAME, load_report
from tests.dataplane.conftest import HUBCTL, BootedSite, run

pytestmark = pytest.mark.dataplane


def test_the_rebuilt_hosts_boot_pass_their_checks_and_count_in_the_rto(
    booted_site: BootedSite, tmp_path
):
    folder = tmp_path / "drill"
    done = run(
        [HUBCTL, "drill", "--site", "local", "--to", "local-dr", "--report-dir", str(folder)],
        booted_site.env,
        timeout=5400,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    report = load_report(folder)
    spans = {span.name: span for span in report.spans}
    assert list(spans) == [BOOT_SPAN, "host suite", "flows"]
    assert all(span.passed for span in spans.values())
    # Each phase starts when the one before it ends, after the layers, and all count.
    assert spans[BOOT_SPAN].start >= report.rto.rebuild_seconds - 1
    assert spans["host suite"].start >= spans[BOOT_SPAN].end
    assert report.rto.total_seconds >= spans["flows"].end
    assert report.rto.boot_seconds == pytest.approx(spans[BOOT_SPAN].seconds)
    assert report.rto.verification_seconds == pytest.approx(
        spans["host suite"].seconds + spans["flows"].seconds
    )
    boots = [c for c in report.checks if c.name.startswith("first boot of ")]
    assert len(boots) == 3 and all(c.passed for c in boots)
    markdown = (folder / "report.md").read_text()
    for name in spans:
        assert f"| {name} |" in markdown
    assert (folder / CHART_NAME).stat().st_size > 0
