"""`hubctl backend`: where every stack of a site lives, and what the `pulumi` CLI needs to use it.

hubctl gives the engine a site's backend itself; the bare `pulumi` CLI (a `pulumi preview` with
the policy pack, a `pulumi stack export`) needs it in its environment:

    eval "$(hubctl backend --site local)"    # PULUMI_BACKEND_URL and the S3 credentials it needs

The same decision as every engine command's (hubctl.backend.choose_backend): HUB_STATE_BACKEND
when set, else the site's hub:stateBackend; a PULUMI_BACKEND_URL naming another backend is
refused (exit 2) rather than printed over.
"""

from __future__ import annotations

import json
import shlex
from typing import Annotated

import typer

from hubcore.stackfiles import known_sites, missing_site_stacks
from hubctl.commands.common import EXIT_OK, fail_usage, require_site_backend


def backend(
    site: Annotated[str, typer.Option("--site", help="The site whose backend to show.")],
    output_format: Annotated[
        str,
        typer.Option(
            "--format", help="env (shell exports for eval, the default) or json (no secrets)."
        ),
    ] = "env",
) -> None:
    """Print the backend of every stack of SITE: shell exports for the pulumi CLI, or JSON."""
    from hubctl.backend import BackendError, choose_backend

    if output_format not in ("env", "json"):
        fail_usage(f"--format {output_format!r}: allowed: env, json")
    if missing_site_stacks(site):
        fail_usage(f"--site {site!r}: not a site with stacks; sites: {', '.join(known_sites())}")
    require_site_backend(site)
    choice = choose_backend(site)
    if output_format == "json":
        record = {"site": site, "url": choice.url, "origin": choice.origin}
        typer.echo(json.dumps(record, indent=2))
        raise typer.Exit(EXIT_OK)
    from hubctl.deploy import backend_env

    try:
        env = backend_env(site)
    except BackendError as error:
        fail_usage(str(error))
    typer.echo(f"# every stack of site {site}: {choice.url} ({choice.origin})")
    for key, value in sorted(env.items()):
        typer.echo(f"export {key}={shlex.quote(value)}")
    raise typer.Exit(EXIT_OK)
