"""`hubctl synth`: what a stack declares, offline (Pulumi mocks: no engine, cloud, credentials)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from hubcore.values import ConfigError
from hubctl.commands.common import fail_usage, parse_overrides, require_known_stack
from synth.records import SynthResult
from synth.synthesis import synthesize


class SynthFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def synth(
    stack: Annotated[str, typer.Option("--stack", "-s", help="Stack name, <site>-<layer>.")],
    config: Annotated[
        list[str] | None,
        typer.Option("--config", "-c", help="KEY=VALUE config override for this run only."),
    ] = None,
    output_format: Annotated[
        SynthFormat, typer.Option("--format", "-f", help="Output format.")
    ] = SynthFormat.TEXT,
) -> None:
    """Print the resources a stack declares, without any cloud, engine or credentials."""
    overrides = parse_overrides(config)
    require_known_stack(stack)
    try:
        result = synthesize(stack, overrides)
    except ConfigError as error:
        fail_usage(str(error))
    except Exception as error:  # the program itself failed: say so, without a traceback
        fail_usage(f"stack {stack!r}: the program failed under mocks: {error}")
    if output_format is SynthFormat.JSON:
        typer.echo(json.dumps(result.to_json(), indent=2))
    else:
        Console().print(render_tree(result))


def render_tree(result: SynthResult) -> Tree:
    """Resources nested under their parents, each with its type; providers marked as such."""
    root = Tree(f"[bold]{escape(result.stack)}[/] ({len(result.resources)} resources)")
    nodes: dict[str, Tree] = {}
    for record in result.resources:
        parent = nodes.get(record.parent or "", root)
        flags = " [yellow]protected[/]" if record.protect else ""
        label = f"{escape(record.name)} [dim]{escape(record.type)}[/]{flags}"
        nodes[record.urn] = parent.add(label)
    return root
