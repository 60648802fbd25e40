"""hubctl: the Sovereign Hub command line. One entry point; each command lives in infra.commands."""

from __future__ import annotations

import typer

from infra.commands.check import check
from infra.commands.deploy import down, preview, up
from infra.commands.drill import drill, replicate
from infra.commands.synth import synth

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


@app.callback()
def main() -> None:
    """Sovereign Hub: synthesise, check and rebuild the hub's stacks."""


if __name__ == "__main__":
    app()
