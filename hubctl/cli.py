"""hubctl: the Sovereign Hub command line; each command lives in hubctl.commands.

Commands are imported when they are run, not when hubctl starts: `hubctl check` on a cached
site would otherwise pay for the Pulumi SDK, the OpenStack client and matplotlib (about half a
second) before doing anything. `hubctl --help` still lists every command with its help.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup

# name -> "module:function", in the order `hubctl --help` lists them.
COMMANDS: dict[str, str] = {
    "synth": "hubctl.commands.synth:synth",
    "check": "hubctl.commands.check:check",
    "audit": "hubctl.commands.audit:audit",
    "up": "hubctl.commands.deploy:up",
    "preview": "hubctl.commands.deploy:preview",
    "down": "hubctl.commands.deploy:down",
    "outputs": "hubctl.commands.deploy:outputs_command",
    "backend": "hubctl.commands.backend:backend",
    "drill": "hubctl.commands.drill:drill",
    "replicate": "hubctl.commands.drill:replicate",
    "evidence": "hubctl.commands.evidence:evidence",
    "verify": "hubctl.commands.verify:verify",
    # A typer app of its own: a group of subcommands.
    "pipeline": "hubctl.commands.pipeline:app",
    "workspace": "hubctl.commands.workspace:app",
    "dataset": "hubctl.commands.dataset:app",
}


def build_command(name: str) -> Any:
    """The click command typer builds for `name`, exactly as `app.command()` (a function) or
    `app.add_typer()` (a typer app) would."""
    module, _, attribute = COMMANDS[name].partition(":")
    found = getattr(importlib.import_module(module), attribute)
    parent = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    if isinstance(found, typer.Typer):
        parent.add_typer(found, name=name)
    else:
        parent.command(name=name)(found)
    return typer.main.get_group(parent).commands[name]


class _Commands(MutableMapping[str, Any]):
    """The group's commands by name, each imported and built the first time it is looked up."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = build_command(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self._built]))

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._built))


class LazyGroup(TyperGroup):
    """typer's group, with commands that are imported on first use."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands()


app = typer.Typer(
    name="hubctl",
    cls=LazyGroup,
    help="Sovereign Hub: synthesise, check and rebuild the hub's stacks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Sovereign Hub: synthesise, check and rebuild the hub's stacks."""


if __name__ == "__main__":
    app()
