"""Run the hub program offline, under Pulumi's mocks, and record every resource it declares.

No engine, no cloud, no credentials: the program is the real one (infra.program.main), the
monitor is Pulumi's MockMonitor with one addition, it keeps each registration request as the
engine would have received it (type, parent, provider, protect, retainOnDelete and the inputs
with their secret markers). Those records are what `hubctl synth` prints and what the policy
pack evaluates offline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hubcore.stackfiles import load_layered_config
from hubcore.values import ConfigValue
from hubcore.wire import path_is_secret, provider_urn_of
from infra.config import HubConfig, validate_config


class ResourceRecord(BaseModel):
    """One resource or provider as declared: the unit every policy rule judges."""

    model_config = ConfigDict(frozen=True)

    urn: str
    type: str
    name: str
    parent: str | None = None
    provider: str | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)
    secret_paths: frozenset[str] = frozenset()
    protect: bool = False
    retain_on_delete: bool = False
    custom: bool = True
    # Where the program declared it (from the SDK's source position), relative to the repository.
    source_file: str | None = None
    source_line: int | None = None

    @property
    def is_provider(self) -> bool:
        return self.type.startswith("pulumi:providers:")

    @property
    def provider_urn(self) -> str | None:
        return provider_urn_of(self.provider)

    def is_secret(self, path: str) -> bool:
        return path_is_secret(path, self.secret_paths)


class SynthResult(BaseModel):
    stack: str
    resources: list[ResourceRecord]
    config: dict[str, Any] = Field(default_factory=dict, exclude=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "parent": r.parent,
                    "provider": r.provider,
                    "inputs": r.inputs,
                }
                for r in self.resources
            ],
        }


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
