"""`hubctl check`: the sovereignty policy pack, offline, on a stack or on a state export.

`--stack` synthesises the stack as `hubctl synth` does (Pulumi mocks: no engine, cloud or
credentials) and runs every rule of policies/ in process; `--state` runs the same rules on a
`pulumi stack export` file. Exit 0: no mandatory violation; 1: at least one; 2: the command,
the stack config, the pack config or the input file is wrong (one clear line, no traceback).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hubcore.catalogue import load_catalogue
from hubcore.values import ConfigError, ConfigValue
from hubctl import baseline as baselines
from hubctl.commands.common import (
    EXIT_OK,
    EXIT_VIOLATIONS,
    fail_usage,
    parse_overrides,
    require_known_stack,
)
from hubctl.passphrase import PassphraseError, passphrase_from_environment, passphrase_from_file
from hubctl.state_export import StateError, load_state
from hubctl.targets import target_of_unplaced_stack
from infra.providers import REGION_KEY_PROVIDERS
from policies.config import PackConfig, PackConfigError, load_pack_config
from policies.evaluate import Report, Target, evaluate
from policies.formats import Format, render
from synth.synthesis import prepared, read_values


def check(
    stack: Annotated[
        list[str] | None,
        typer.Option("--stack", "-s", help="Stack to check, <site>-<layer>; repeat for several."),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="A `pulumi stack export` file (deployment version 3)."),
    ] = None,
    config: Annotated[
        list[str] | None,
        typer.Option("--config", "-c", help="KEY=VALUE config override for this run only."),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="Report format.")
    ] = Format.TEXT,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to FILE.")
    ] = None,
    policy_config: Annotated[
        Path | None,
        typer.Option(
            "--policy-config",
            help="Pack config JSON (as --policy-pack-config) over policies/pack-config.json.",
        ),
    ] = None,
    passphrase_file: Annotated[
        Path | None,
        typer.Option(
            "--passphrase-file",
            help="With --state: decrypt the export's secrets with the passphrase in FILE.",
        ),
    ] = None,
    decrypt: Annotated[
        bool,
        typer.Option(
            "--decrypt",
            help="With --state: decrypt the export's secrets with the passphrase the Pulumi CLI "
            "reads (PULUMI_CONFIG_PASSPHRASE, else PULUMI_CONFIG_PASSPHRASE_FILE).",
        ),
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline", help="Fail only on findings this baseline (--write-baseline) lacks."
        ),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Record today's findings in FILE; exit 0."),
    ] = None,
) -> None:
    """Run the sovereignty policy pack on a stack (offline) or on a state export."""
    overrides = parse_overrides(config)
    if bool(stack) == (state is not None):
        fail_usage("give either --stack S (one or more) or --state FILE")
    if state is not None and overrides:
        fail_usage("-c overrides apply to --stack only; a state export is judged as it is")
    if state is None and (passphrase_file is not None or decrypt):
        fail_usage("--passphrase-file and --decrypt apply to --state only")
    try:
        pack_config = load_pack_config(policy_config)
    except PackConfigError as error:
        fail_usage(str(error))
    passphrase = _passphrase(passphrase_file, decrypt)

    report = (
        _check_state(state, pack_config, passphrase)
        if state
        else _check_stacks(stack or [], overrides, pack_config)
    )
    decided = baselines.use_options(report, baseline, write_baseline)
    _write(render(report, output_format, colour=output is None and sys.stdout.isatty()), output)
    if decided is None:
        decided = EXIT_VIOLATIONS if report.mandatory else EXIT_OK
    raise typer.Exit(decided)


def _check_stacks(stacks: list[str], overrides: dict[str, str], config: PackConfig) -> Report:
    """Each stack in one pass: its files read and layered once, validated once, then
    synthesised (or taken from the cache), judged and added to the report."""
    # The cache imports the Pulumi SDK only when it has to synthesise.
    from hubctl.checkcache import check_stack

    report = Report()
    for stack in stacks:
        require_known_stack(stack)
        try:  # an unreadable stack file is a usage error before anything is judged
            values = read_values(stack, overrides)
        except ConfigError as error:
            fail_usage(str(error))
        try:
            ready = prepared(stack, values)
        except ConfigError as error:
            unplaced = _unknown_region_target(stack, values, error)
            if unplaced is None:
                fail_usage(str(error))
            report.extend(evaluate(unplaced, config))
            continue
        try:
            stack_report = check_stack(ready, config)
        except ConfigError as error:
            fail_usage(str(error))
        except Exception as error:  # the program itself failed: say so, without a traceback
            fail_usage(f"stack {stack!r}: the program failed under mocks: {error}")
        report.extend(stack_report)
    return report


def _unknown_region_target(
    stack: str, values: dict[str, ConfigValue], error: ConfigError
) -> Target | None:
    """The stack to judge when the config error is a region the catalogue does not know, or an
    empty one: a policy violation (fail closed), not a usage error. None for any other error."""
    if error.key not in REGION_KEY_PROVIDERS:
        return None
    value = values.get(error.key)
    if value is None or load_catalogue().lookup(value.value) is not None:
        return None
    return target_of_unplaced_stack(stack, values, error.key)


def _passphrase(file: Path | None, from_environment: bool) -> str | None:
    """The passphrase to decrypt a state export with, or None to leave its secrets masked."""
    try:
        if file is not None:
            return passphrase_from_file(file)
        return passphrase_from_environment() if from_environment else None
    except PassphraseError as error:
        fail_usage(str(error))


def _check_state(path: Path, config: PackConfig, passphrase: str | None) -> Report:
    try:
        target = load_state(path, passphrase)
    except StateError as error:
        fail_usage(str(error))
    return evaluate(target, config)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        fail_usage(f"--output {output}: cannot write: {error.strerror}")
