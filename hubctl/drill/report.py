"""The drill's report directory: report.json (machines), report.md (people), timeline.png.

All three are rendered from one DrillReport, itself built from the run's records, so they cannot
disagree. Markdown is written for the person who files it: what was drilled, whether it worked,
how long recovery took and how much data would have been lost, what was checked, and what could
not be restored and why.
"""

from __future__ import annotations

from pathlib import Path

from hubctl.drill.model import DrillReport, LayerReport, Span
from hubctl.drill.plan import SCENARIOS
from hubctl.drill.timing import merge_intervals

JSON_NAME = "report.json"
MARKDOWN_NAME = "report.md"
CHART_NAME = "timeline.png"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)} min {rest:04.1f} s"
    hours, minutes = divmod(minutes, 60)
    return f"{int(hours)} h {int(minutes):02d} min"


def _changes(layer: LayerReport) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(layer.changes.items())) or "none"


def render_markdown(report: DrillReport) -> str:
    verdict = {
        "passed": "PASSED: the site was rebuilt, its data restored and every check passed.",
        "failed": "FAILED: " + (report.failure or "see the failed layers and checks below."),
        "interrupted": "INTERRUPTED: the drill was stopped before it finished; "
        + (report.failure or ""),
    }[report.outcome.value]
    rpo = report.rpo
    lines = [
        f"# DR drill report: {report.site} → {report.target} ({report.scenario.value})",
        "",
        f"**Result: {verdict}**",
        "",
        "| | |",
        "|---|---|",
        f"| Drill | `{report.drill_id}` |",
        f"| Date (UTC) | {report.started_at:%Y-%m-%d %H:%M:%S} → {report.finished_at:%H:%M:%S} |",
        f"| Protected site | `{report.site}` ({report.source_region}) |",
        f"| Rebuilt as | `{report.target}` ({report.target_region}) |",
        f"| Scenario | {report.scenario.value}: {SCENARIOS[report.scenario]} |",
        f"| Separation | {report.separation} |",
        f"| State backend | {report.backend} |",
        f"| Plan | {report.mode} |",
        f"| Code | {report.commit or 'unknown commit'} |",
        *(
            ["| Resumed | yes: converged the stacks of an interrupted drill |"]
            if report.resumed
            else []
        ),
        "",
        "## Recovery objectives",
        "",
        "| Measure | Value | What it means |",
        "|---|---|---|",
        f"| **RTO** | **{duration(report.rto.total_seconds)}** | from the simulated loss to the "
        "DR site rebuilt, its data restored and its hosts booted and verified |",
        f"| rebuild | {duration(report.rto.rebuild_seconds)} | every layer up, from empty |",
        f"| restore | {duration(report.rto.restore_seconds)} | objects copied from the replicas "
        "and checked |",
        *(
            f"| {span.name} | {duration(span.seconds)} | {span.detail}"
            f"{'' if span.passed else ' (**failed**)'} |"
            for span in report.spans
        ),
        f"| waiting on the cloud | {duration(report.rto.cloud_wait_seconds)} | OpenStack API "
        "calls of resource steps (summed per layer) |",
        f"| in the tool | {duration(report.rto.tool_seconds)} | engine, program, plugins, "
        "policy pack, state (summed per layer) |",
        f"| **RPO** | **{duration(rpo.overall_seconds)}** | newest object or key not replicated |",
        f"| objects | {duration(rpo.objects_seconds)} | {rpo.unreplicated_objects} object(s) not "
        f"in the replicas{': newest ' + rpo.newest_unreplicated_object if rpo.newest_unreplicated_object else ''} |",  # noqa: E501
        f"| keys | {duration(rpo.keys_seconds)} | dataset keys the DR region cannot recover"
        f"{': newest ' + rpo.newest_unreplicated_key if rpo.newest_unreplicated_key else ''} |",
        f"| since last replication | {duration(rpo.since_last_sync_seconds)} | last pass: "
        f"{rpo.last_sync.strftime('%Y-%m-%d %H:%M:%S UTC') if rpo.last_sync else 'never'} |",
        "",
        f"How the RPO was measured: {rpo.method}",
        "",
        "## Rebuild, layer by layer",
        "",
        f"![timeline]({CHART_NAME})",
        "",
        "| Layer | Stack | Waited for | Start | End | Duration | Engine | Cloud wait | Tool "
        "| Changes | Status |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for layer in report.layers:
        lines.append(
            f"| {layer.layer} | `{layer.stack}` | {', '.join(layer.waited_for) or '-'} "
            f"| {_at(layer.start)} | {_at(layer.end)} | {duration(layer.seconds)} "
            f"| {'n/a' if layer.engine_seconds is None else f'{layer.engine_seconds} s'} "
            f"| {duration(layer.cloud_wait_seconds)} | {duration(layer.tool_seconds)} "
            f"| {_changes(layer)} | {layer.status} |"
        )
    lines += [
        "",
        "Start and end are seconds after the simulated loss. Duration is the drill's wall time "
        "for the layer (engine start to outputs read); Engine is the `Duration:` the engine "
        "printed in the layer's log (`logs/`); cloud wait and tool time come from the layer's "
        "timed engine events (`events/`).",
        "",
        "## Data restored",
        "",
        "| Purpose | From replica | Into | Objects | Bytes | Verified |",
        "|---|---|---|---|---|---|",
    ]
    for item in report.restore.containers:
        lines.append(
            f"| {item.purpose} | `{item.source}` | `{item.target or '-'}` | {item.objects} "
            f"| {item.bytes} | {item.verified}/{item.objects}"
            f"{' (' + item.problem + ')' if item.problem else ''} |"
        )
    lines += [
        "",
        "## Datasets, readable again",
        "",
        "Keys recovered in the DR region, every replicated object decrypted and checked against "
        "its dataset's newest replicated manifest (SHA-256), then re-sealed under the DR site's "
        "own dataset key. Spans are seconds after the simulated loss.",
        "",
        "| Dataset | Keys from | Keys | Manifest | Objects | Verified | Restored | Lost "
        "| RPO | Key recovery | Decrypt + verify | Re-seal |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for recovered in report.datasets:
        spans = [
            f"{span.start:.1f} → {span.end:.1f}" if span else "-"
            for span in (recovered.recovery, recovered.decrypt_verify, recovered.reseal)
        ]
        lines.append(
            f"| {recovered.dataset} | {recovered.key_method} | {len(recovered.keys_recovered)} "
            f"| v{recovered.manifest_version or '-'} | {recovered.objects} "
            f"| {recovered.verified} | {recovered.restored} | {len(recovered.lost)} "
            f"| {duration(recovered.rpo_seconds)} | {' | '.join(spans)} |"
        )
    for recovered in report.datasets:
        for problem in recovered.key_problems:
            lines.append(f"- **{recovered.dataset}** key not recovered: {problem}")
        for lost in recovered.lost:
            lines.append(f"- **{recovered.dataset}** lost `{lost.name}`: {lost.reason}")
        for key in recovered.unescrowed_keys:
            lines.append(f"- **{recovered.dataset}** key `{key}` was never escrowed")
    if report.targets:
        lines += [
            "",
            "## Targets",
            "",
            "| Objective | Target | Measured | Result |",
            "|---|---|---|---|",
        ]
        for target in report.targets:
            result = "met" if target.met else f"**MISSED** by {duration(target.over_by_seconds)}"
            lines.append(
                f"| {target.name} | {duration(target.target_seconds)} "
                f"| {duration(target.measured_seconds)} | {result} |"
            )
    if report.primary_refused is not None:
        lines += [
            "",
            f"Primary region after the simulated loss: "
            f"{'refused the drill' if report.primary_refused else 'still answered (see below)'}.",
        ]
    lines += ["", "## Could not be restored, and why", ""]
    lines += [f"- **{n.item}**: {n.reason}" for n in report.restore.not_restored] or ["- nothing"]
    passed = sum(c.passed for c in report.checks)
    lines += [
        "",
        f"## Verified ({passed}/{len(report.checks)} checks passed)",
        "",
        "| Layer | Check | Result | Detail |",
        "|---|---|---|---|",
    ]
    for check in report.checks:
        result = "pass" if check.passed else "**FAIL**"
        lines.append(f"| {check.layer} | {check.name} | {result} | {check.detail} |")
    lines += ["", "## Not verified, and why", ""]
    lines += [f"- **{n.item}**: {n.reason}" for n in report.not_verified] or ["- nothing"]
    cleanup = report.cleanup
    lines += [
        "",
        "## Clean-up",
        "",
        f"{cleanup.detail}"
        + (f" ({duration(cleanup.seconds)}, not part of the RTO)" if cleanup.seconds else ""),
        "",
    ]
    return "\n".join(lines)


def _at(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_chart(report: DrillReport, path: Path) -> None:
    """A Gantt chart: one bar per layer (cloud wait darker), then restore, the hosts' first
    boot and their verifications, on the drill's clock."""
    rows: list[tuple[str, float, float, list[tuple[float, float]], str]] = []
    colours = {"done": "#4c78a8", "failed": "#e45756", "skipped": "#bab0ac"}
    for layer in report.layers:
        if layer.start is None:
            continue
        end = layer.end if layer.end is not None else layer.start
        cloud = merge_intervals(
            (s.start, s.end) for s in layer.steps if s.cloud and s.end is not None
        )
        rows.append((layer.stack, layer.start, end, cloud, colours.get(layer.status, "#f58518")))
    if report.restore.start is not None and report.restore.end is not None:
        rows.append(("restore", report.restore.start, report.restore.end, [], "#54a24b"))
    for label, colour, attribute in (
        ("key recovery", "#b279a2", "recovery"),
        ("decrypt + verify", "#9d755d", "decrypt_verify"),
        ("re-seal", "#72b7b2", "reseal"),
    ):
        spans: list[Span] = [
            span for d in report.datasets if (span := getattr(d, attribute)) is not None
        ]
        if spans:
            start, end = min(x.start for x in spans), max(x.end for x in spans)
            rows.append((label, start, end, [], colour))
    for span in report.spans:
        rows.append((span.name, span.start, span.end, [], "#72b7b2" if span.passed else "#e45756"))
    # Imported here, not at module level: every hubctl command imports this module, and
    # matplotlib would add about a second to each start.
    import matplotlib

    matplotlib.use("Agg")  # no display: CI and servers render to files only
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(10, 1.2 + 0.6 * max(len(rows), 1)))
    for index, (_label, start, end, cloud, colour) in enumerate(rows):
        axis.barh(index, end - start, left=start, height=0.6, color=colour, alpha=0.45)
        for c_start, c_end in cloud:
            axis.barh(index, c_end - c_start, left=c_start, height=0.6, color=colour, alpha=0.9)
        axis.text(end, index, f" {end - start:.1f} s", va="center", fontsize=8)
    axis.set_yticks(range(len(rows)), [r[0] for r in rows])
    axis.invert_yaxis()
    axis.axvline(report.rto.total_seconds, color="black", linestyle="--", linewidth=1)
    axis.text(report.rto.total_seconds, -0.6, f"RTO {report.rto.total_seconds:.1f} s", fontsize=8)
    axis.set_xlabel("seconds after the simulated loss (dark: waiting on OpenStack API calls)")
    axis.set_title(
        f"DR drill {report.site} → {report.target}, {report.scenario.value}, {report.mode} "
        f"({report.started_at:%Y-%m-%d %H:%M} UTC)",
        fontsize=10,
    )
    axis.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(report: DrillReport, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": directory / JSON_NAME,
        "markdown": directory / MARKDOWN_NAME,
        "chart": directory / CHART_NAME,
    }
    paths["json"].write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(render_markdown(report), encoding="utf-8")
    render_chart(report, paths["chart"])
    return paths


def load_report(directory: Path) -> DrillReport:
    return DrillReport.model_validate_json((directory / JSON_NAME).read_text(encoding="utf-8"))
