"""Run the hub program offline, under Pulumi's mocks, and record every resource it declares.

No engine, no cloud, no credentials: the program is the real one (infra.program.main), the
monitor is Pulumi's MockMonitor with one addition, it keeps each registration request as the
engine would have received it (type, parent, provider, protect, retainOnDelete and the inputs
with their secret markers). Those records are what `hubctl synth` prints and what the policy
pack evaluates offline.

A stack goes through here in one pass: `prepare` reads and layers its files once and validates
the result once; synthesis takes that prepared stack and hands its records on. Callers that
need the values before validation (`hubctl check`, which judges an unknown region instead of
refusing it) read them with `read_values` and validate with `prepared`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hubcore.stackfiles import load_layered_config
from hubcore.values import ConfigValue
from infra.config import HubConfig, validate_config
from synth.records import ResourceRecord, SynthResult

# Runs the program for a stack with the given layered values and returns its records: the
# mocked engine by default; `hubctl check` passes one that remembers results (hubctl.checkcache).
Runner = Callable[[str, HubConfig, dict[str, ConfigValue]], list[ResourceRecord]]


@dataclass(frozen=True)
class PreparedStack:
    """A stack's layered config, read once, and what it validates to."""

    stack: str
    values: dict[str, ConfigValue]
    config: HubConfig


def read_values(stack: str, overrides: dict[str, str] | None = None) -> dict[str, ConfigValue]:
    """The stack's layered config (sites.yaml, its stack file, -c overrides); raises
    ConfigError when a file or an override cannot be read."""
    return load_layered_config(stack, overrides)


def prepared(stack: str, values: dict[str, ConfigValue]) -> PreparedStack:
    """Validate values read by `read_values`; raises ConfigError on bad configuration."""
    return PreparedStack(stack=stack, values=values, config=validate_config(stack, values))


def prepare(stack: str, overrides: dict[str, str] | None = None) -> PreparedStack:
    """Read, layer and validate a stack's config, once; raises ConfigError."""
    return prepared(stack, read_values(stack, overrides))


def synthesize(stack: str, overrides: dict[str, str] | None = None) -> SynthResult:
    """Run the program for `stack` under mocks; raises ConfigError on bad configuration."""
    ready = prepare(stack, overrides)
    records = run_mocked(stack, ready.config, ready.values)
    return SynthResult(stack=stack, resources=records, config=ready.values)


def synthesize_fast(
    stack: str, overrides: dict[str, str] | None = None, runner: Runner | None = None
) -> SynthResult:
    """`synthesize_prepared` of the stack read and validated here; raises ConfigError."""
    return synthesize_prepared(prepare(stack, overrides), runner)


def synthesize_prepared(ready: PreparedStack, runner: Runner | None = None) -> SynthResult:
    """The same records as `synthesize`, with hosts of one role synthesised once per shape.

    A large compute layer is declared from a small sample of each role's hosts and expanded
    (synth.sampling), after checking on that sample that the expansion reproduces the program
    exactly; whenever the check fails, the whole program runs. Every program run goes through
    `runner` (the mocked engine by default).
    """
    from synth import sampling as shapes

    run = runner or run_mocked
    records = shapes.expanded(ready.stack, ready.config, ready.values, run)
    if records is None:
        records = run(ready.stack, ready.config, ready.values)
    return SynthResult(stack=ready.stack, resources=records, config=ready.values)


def run_mocked(
    stack: str, config: HubConfig, values: dict[str, ConfigValue]
) -> list[ResourceRecord]:
    """The records of one run of the hub program under Pulumi's mocks."""
    from infra import program
    from synth.mockengine import run_program

    return run_program(stack, config, values, program.main)
