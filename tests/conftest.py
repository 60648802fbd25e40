"""Fixtures shared by every tier of the suite."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra.synth import ResourceRecord, SynthResult, synthesize

Synth = Callable[..., SynthResult]


@pytest.fixture(scope="session")
def synth() -> Synth:
    """Synthesise a stack under Pulumi's mocks, cached per (stack, overrides) for the session."""
    cache: dict[tuple[str, tuple[tuple[str, str], ...]], SynthResult] = {}

    def run(stack: str, **overrides: str) -> SynthResult:
        key = (stack, tuple(sorted(overrides.items())))
        if key not in cache:
            cache[key] = synthesize(stack, {k.replace("__", ":"): v for k, v in overrides.items()})
        return cache[key]

    return run


def of_type(result: SynthResult, token: str) -> list[ResourceRecord]:
    """Records whose type token ends with `token` (e.g. "secGroupRule:SecGroupRule")."""
    return [r for r in result.resources if r.type.endswith(token)]
