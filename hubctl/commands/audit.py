"""`hubctl audit --site S`: the policy pack on what is really deployed in the site's cloud.

Every resource of the site's projects is read through openstacksdk (read-only: GET and HEAD
only), whoever created it, mapped into the pack's resource model and judged by the same rules
as `hubctl check --state`, with drift, unmanaged and missing resources compared with the site's
states (hubctl.audit). Reports in every format of `check`, baselines included.

Exit 0: no mandatory finding; 1: at least one; 2: usage, config or credentials, or a partial
audit (a service unreachable or too slow, a resource half-created or deleted during the audit,
a project over --max-resources), whatever else was found: a partial audit never passes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import known_sites
from hubctl import baseline as baselines
from hubctl.commands.check import _passphrase, _write
from hubctl.commands.common import EXIT_OK, EXIT_USAGE, EXIT_VIOLATIONS, fail_usage, stderr
from policies.config import PackConfigError, load_pack_config
from policies.formats import Format, render

REPORTS_DIR = REPO_ROOT / "reports"


def audit(
    site: Annotated[str, typer.Option("--site", help="Site whose projects to audit.")],
    cloud: Annotated[
        str | None,
        typer.Option(
            "--cloud",
            help="clouds.yaml entry to read the cloud with (default: the entry named after the "
            "site, else the OS_* variables). Read-only roles are enough: Keystone's reader, "
            "and Barbican's observer where Barbican does not let readers list.",
        ),
    ] = None,
    output_format: Annotated[
        list[Format] | None,
        typer.Option(
            "--format",
            "-f",
            help="Report format; repeat with --output for several reports of one audit.",
        ),
    ] = None,
    output: Annotated[
        list[Path] | None,
        typer.Option("--output", "-o", help="Write the report to FILE (one per --format)."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Fail only on findings this baseline lacks."),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Record today's findings in FILE; exit 0."),
    ] = None,
    policy_config: Annotated[
        Path | None,
        typer.Option("--policy-config", help="Pack config JSON over policies/pack-config.json."),
    ] = None,
    passphrase_file: Annotated[
        Path | None,
        typer.Option("--passphrase-file", help="Decrypt the states' secrets with this passphrase."),
    ] = None,
    decrypt: Annotated[
        bool,
        typer.Option("--decrypt", help="Decrypt the states' secrets as the Pulumi CLI does."),
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds each API request may take.")
    ] = 30.0,
    max_resources: Annotated[
        int,
        typer.Option("--max-resources", min=1, help="Read at most this many resources."),
    ] = 20_000,
    reports: Annotated[
        Path, typer.Option("--reports", help="Where the audit record is written (audits/).")
    ] = REPORTS_DIR,
) -> None:
    """Judge what is deployed: drift, unmanaged and missing resources, with the same rules."""
    from hubctl.audit.record import record_of, write_record
    from hubctl.audit.run import AuditError, AuditOptions, run

    if site not in known_sites():
        fail_usage(f"--site {site!r}: no such site; sites: {', '.join(known_sites())}")
    try:
        config = load_pack_config(policy_config)
    except PackConfigError as error:
        fail_usage(str(error))
    if baseline is not None and write_baseline is not None:
        fail_usage("give --baseline FILE or --write-baseline FILE, not both")
    formats = output_format or [Format.TEXT]
    outputs: list[Path | None] = list(output or [])
    if len(formats) > 1 and len(outputs) != len(formats):
        fail_usage(
            f"{len(formats)} --format options need as many --output files (got {len(outputs)})"
        )
    if len(outputs) > len(formats):
        fail_usage(f"{len(outputs)} --output files for {len(formats)} --format option(s)")
    outputs += [None] * (len(formats) - len(outputs))
    options = AuditOptions(
        site=site,
        cloud=cloud,
        timeout=timeout,
        max_resources=max_resources,
        passphrase=_passphrase(passphrase_file, decrypt),
    )
    try:
        result = run(options, config)
    except AuditError as error:
        fail_usage(f"audit of site {site!r}: {error}")
    report = result.report
    decided = baselines.use_options(report, baseline, write_baseline)
    if result.partial:
        code = EXIT_USAGE
    elif decided is not None:
        code = decided
    else:
        code = EXIT_VIOLATIONS if report.mandatory else EXIT_OK
    for chosen, path in zip(formats, outputs, strict=True):
        text = render(report, chosen, colour=path is None and sys.stdout.isatty())
        if chosen is Format.JSON:
            document = json.loads(text)
            document["audit"] = _summary(result)
            text = json.dumps(document, indent=2)
        _write(text, path)
    for line in _lines(result):
        stderr.print(line, markup=False, highlight=False, soft_wrap=True)
    try:
        written = write_record(record_of(result, code), reports)
        stderr.print(f"audit record: {written}", markup=False, highlight=False, soft_wrap=True)
    except OSError as error:
        fail_usage(f"--reports {reports}: cannot write the audit record: {error.strerror}")
    raise typer.Exit(code)


def _summary(result: object) -> dict[str, object]:
    from hubctl.audit.run import AuditResult

    assert isinstance(result, AuditResult)
    return {
        "site": result.site,
        "partial": result.partial,
        "started_at": result.started_at.isoformat(timespec="seconds"),
        "seconds": round(result.seconds, 3),
        "identity": {k: v for k, v in result.identity.items() if k != "project_id"},
        "projects": [{"project": p.project_name, "region": p.region} for p in result.projects],
        "counts": result.counts(),
        "gaps": [gap.line() for gap in result.gaps],
    }


def _lines(result: object) -> list[str]:
    from hubctl.audit.run import AuditResult

    assert isinstance(result, AuditResult)
    counts = result.counts()
    identity = result.identity
    lines = [
        f"audit of site {result.site} as {identity.get('user')} (roles "
        f"{', '.join(identity.get('roles') or []) or 'none'}) in {result.seconds:.1f} s: "
        f"{counts['live']} live resources, {counts['managed']} managed, {counts['unmanaged']} "
        f"unmanaged, {counts['built_in']} the cloud's own, {counts['missing']} missing, "
        f"{counts['drifted']} drifted (+{counts['added_rules']} rules added to managed groups); "
        f"states of {len(result.stacks)} stacks from {result.backend.split('?', 1)[0]}"
    ]
    if not result.stacks:
        lines.append(
            f"note: no state of site {result.site} in {result.backend.split('?', 1)[0]}: every "
            "resource is unmanaged (HUB_STATE_BACKEND overrides the site's hub:stateBackend)"
        )
    if not identity.get("least_privilege"):
        lines.append(
            "note: the audit ran with roles that can write; read-only ones are enough "
            "(--cloud ENTRY with a reader's credentials; Barbican's observer to list secrets)"
        )
    unseen: dict[str, list[str]] = {}
    for stack, view, why in result.unseen:
        unseen.setdefault(why, []).append(f"{view.type.rsplit(':', 1)[-1]} {view.name} ({stack})")
    for why, names in unseen.items():
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        lines.append(f"not verified, {len(names)} resource(s) of the states: {why}: {shown}")
    for gap in result.gaps:
        lines.append(f"{'PARTIAL' if gap.kind.partial else 'note'}: {gap.line()}")
    if result.partial:
        lines.append("PARTIAL AUDIT: what could not be read is listed above; exit 2")
    return lines
