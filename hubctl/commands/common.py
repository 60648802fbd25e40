"""What hubctl's commands share: -c parsing and the one way a usage or config error ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from hubcore.stackfiles import (
    known_sites,
    known_stacks,
    missing_site_stacks,
    parse_override,
    stacks_dir_shown,
)
from hubcore.values import ConfigError

if TYPE_CHECKING:
    from hubctl.workspaces.common import Site

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2

stderr = Console(stderr=True, highlight=False)


def fail_usage(message: str) -> NoReturn:
    """Print one clear message (never a traceback) and exit 2: nothing was done.

    The message quotes user data (values, keys, file names): it is printed as plain text, never
    read as rich markup, so a value `[secret]` or `[bold]x[/]` prints as itself.
    """
    stderr.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


def parse_overrides(pairs: list[str] | None) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs or []:
        try:
            key, value = parse_override(pair)
        except ConfigError as error:
            fail_usage(str(error))
        overrides[key] = value
    return overrides


def require_known_stack(stack: str) -> None:
    stacks = known_stacks()
    if stack not in stacks:
        fail_usage(
            f"--stack {stack!r}: no stacks/Pulumi.{stack}.yaml; known stacks: {', '.join(stacks)}"
        )


def require_site_backend(site: str) -> None:
    """Before a command that runs the engine on `site` does anything: its stacks' one backend
    (hubctl.backend.choose_backend) must be decidable, and the caller's PULUMI_BACKEND_URL, if
    set, must name it. Otherwise exit 2 saying where the site's stacks are; nothing was done."""
    from hubctl.backend import BackendError, choose_backend

    try:
        choose_backend(site)
    except (BackendError, ConfigError) as error:
        fail_usage(str(error))


def require_site(site: str) -> None:
    """A site this repository declares every layer of; else exit 2 naming the missing files."""
    missing = missing_site_stacks(site)
    if missing:
        fail_usage(
            f"--site {site!r}: no stack files for {', '.join(missing)} in {stacks_dir_shown()}; "
            f"sites: {', '.join(known_sites())}"
        )


def workspace_site(site: str, *, engine: bool = True) -> Site:
    """The site of a `workspace` command, validated; for the commands that run the engine
    (`engine`), its backend too, so that a conflicting PULUMI_BACKEND_URL stops them before
    anything is written."""
    from hubctl.workspaces.common import Site

    require_site(site)
    if engine:
        require_site_backend(site)
    try:
        return Site.load(site)
    except ConfigError as error:
        fail_usage(str(error))
