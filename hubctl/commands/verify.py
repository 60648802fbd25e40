"""`hubctl verify --site S --hosts|--flows [--format text|junit] [--output F]`.

Exit codes: 0 every measure holds on every host and every flow is as declared; 1 one does not;
2 usage or configuration errors, or a site that cannot be verified (nothing was checked).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hubctl.commands.common import EXIT_USAGE, fail_usage
from hubctl.commands.deploy import require_engine_site
from hubctl.deploy import SiteDeployer, select_stack, site_config
from hubctl.layers import hosts_layer
from hubctl.verify.model import Case, exit_status, render_junit, render_text
from hubctl.verify.site import VerifyError, load

FORMATS = ("text", "junit")
console = Console(stderr=True)


def say(line: str) -> None:
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def verify(
    site: Annotated[str, typer.Option("--site", help="Deployed site to verify.")] = "local",
    hosts: Annotated[
        bool, typer.Option("--hosts", help="Run the host suite over SSH on every host.")
    ] = False,
    flows: Annotated[
        bool,
        typer.Option("--flows", help="Send real probes between tiers and from the outside."),
    ] = False,
    format: Annotated[str, typer.Option("--format", help="text (default) or junit.")] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the report here instead of stdout.")
    ] = None,
) -> None:
    """Check a deployed site for real: the hardening of every host, and every flow between its
    tiers and the outside against what the network layer declares."""
    if format not in FORMATS:
        fail_usage(f"--format {format!r}: allowed: {', '.join(FORMATS)}")
    if not hosts and not flows:
        fail_usage("name what to verify: --hosts, --flows, or both")
    if output is not None and not output.parent.is_dir():
        fail_usage(f"--output {output}: no such folder {output.parent}")
    require_engine_site(site)
    deployer = SiteDeployer(site=site, log_dir=Path("/nonexistent"))
    env = deployer.engine_env()
    hosts_at = hosts_layer()
    outputs = {k: v.value for k, v in select_stack(site, hosts_at, env).outputs().items()}
    config = site_config(site, hosts_at)
    try:
        verification = load(site, deployer.cloud().connect(), config, outputs, say)
    except VerifyError as error:
        say(f"error: {error}")
        raise typer.Exit(EXIT_USAGE) from None
    cases: list[Case] = []
    if hosts:
        cases += verification.check_hosts(say)
    if flows:
        cases += verification.check_flows(say)
    title = (
        f"hubctl verify --site {site}"
        + (" --hosts" if hosts else "")
        + (" --flows" if flows else "")
    )
    text = render_junit(title, cases) if format == "junit" else render_text(title, cases)
    if output is not None:
        output.write_text(text)
        say(f"report: {output}")
    else:
        sys.stdout.write(text)
    raise typer.Exit(exit_status(cases))
