"""hubctl: the Sovereign Hub command line; each command lives in hubctl.commands."""

from __future__ import annotations

import typer

from hubctl.commands.check import check
from hubctl.commands.deploy import down, preview, up
from hubctl.commands.drill import drill, replicate
from hubctl.commands.synth import synth
from hubctl.commands.workspace import app as workspace_app

app = typer.Typer(
    name="hubctl",
    help="Sovereign Hub: synthesise, check and rebuild the hub's stacks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(synth)
app.command()(check)
app.command()(up)
app.command()(preview)
app.command()(down)
app.command()(drill)
app.command()(replicate)
app.add_typer(workspace_app)


@app.callback()
def main() -> None:
    """Sovereign Hub: synthesise, check and rebuild the hub's stacks."""


if __name__ == "__main__":
    app()
