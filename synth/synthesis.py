"""Run the hub program offline, under Pulumi's mocks, and record every resource it declares.

No engine, no cloud, no credentials: the program is the real one (infra.program.main), the
monitor is Pulumi's MockMonitor with one addition, it keeps each registration request as the
engine would have received it (type, parent, provider, protect, retainOnDelete and the inputs
with their secret markers). Those records are what `hubctl synth` prints and what the policy
pack evaluates offline.
"""

from __future__ import annotations

from collections.abc import Callable

from hubcore.stackfiles import load_layered_config
from hubcore.values import ConfigValue
from infra.config import HubConfig, validate_config
from synth.records import ResourceRecord, SynthResult

# Runs the program for a stack with the given layered values and returns its records: the
# mocked engine by default; `hubctl check` passes one that remembers results (hubctl.checkcache).
Runner = Callable[[str, HubConfig, dict[str, ConfigValue]], list[ResourceRecord]]


def synthesize(stack: str, overrides: dict[str, str] | None = None) -> SynthResult:
    """Run the program for `stack` under mocks; raises ConfigError on bad configuration."""
    values = load_layered_config(stack, overrides)
    config = validate_config(stack, values)
    return SynthResult(stack=stack, resources=run_mocked(stack, config, values), config=values)


def synthesize_fast(
    stack: str, overrides: dict[str, str] | None = None, runner: Runner | None = None
) -> SynthResult:
    """The same records as `synthesize`, with hosts of one role synthesised once per shape.

    A large compute layer is declared from a small sample of each role's hosts and expanded
    (synth.sampling), after checking on that sample that the expansion reproduces the program
    exactly; whenever the check fails, the whole program runs. Raises ConfigError as
    `synthesize` does.
    """
    from synth import sampling as shapes

    run = runner or run_mocked
    values = load_layered_config(stack, overrides)
    config = validate_config(stack, values)
    records = shapes.expanded(stack, config, values, run)
    if records is None:
        records = run(stack, config, values)
    return SynthResult(stack=stack, resources=records, config=values)


def run_mocked(
    stack: str, config: HubConfig, values: dict[str, ConfigValue]
) -> list[ResourceRecord]:
    """The records of one run of the hub program under Pulumi's mocks."""
    from infra import program
    from synth.mockengine import run_program

    return run_program(stack, config, values, program.main)
