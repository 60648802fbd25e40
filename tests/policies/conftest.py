"""Policy test harness: resources captured from the real program under mocks, then mutated.

awsguard's habit: a happy-path resource, one field changed per failing case. Here the happy
path is what the shipped stacks declare (synthesised once per session), and `mutate` returns a
copy of a stack's views with one resource's inputs changed, so every failing case differs from
a passing, real resource by exactly the field under test.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from hubcore.values import ConfigValue, Location
from hubctl.targets import target_of_synth
from policies import clock
from policies.evaluate import Target, run_rule
from policies.model import Context, Outcome, ResourceView, SiteFacts, Status
from policies.registry import REGISTRY
from policies.rules import all_rules
from synth.records import SynthResult

Synth = Callable[..., SynthResult]
REMOVE = object()


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """The day the pack judges on, fixed for the whole test: a test that computes an end from
    today and is judged a moment later, after midnight UTC, sees the same day the pack sees."""
    day = clock.today()
    monkeypatch.setattr(clock, "today", lambda: day)
    return day


def ending(days: int = 30, owner: str = "ops@hub.example") -> dict[str, str]:
    """What every exemption must carry besides its reason: who owns it and when it ends."""
    from datetime import timedelta

    expires = clock.today() + timedelta(days=days)
    return {"owner": owner, "expires": expires.isoformat()}


@pytest.fixture(scope="session")
def target(synth: Synth) -> Callable[..., Target]:
    """The views of a shipped stack, as `hubctl check --stack` builds them."""

    def build(stack: str, **overrides: str) -> Target:
        return target_of_synth(synth(stack, **overrides))

    return build


def find(target: Target, type_suffix: str, name_part: str = "") -> ResourceView:
    """The first resource of a type (token suffix) whose name contains `name_part`."""
    for view in target.resources:
        if view.type.endswith(type_suffix) and name_part in view.name:
            return view
    raise AssertionError(f"{target.name} declares no {type_suffix} named *{name_part}*")


def mutate(
    target: Target, view: ResourceView, *, secret: tuple[str, ...] = (), **changes: Any
) -> tuple[Target, ResourceView]:
    """A copy of `target` where `view` has `changes` applied to its inputs (REMOVE deletes).

    `secret` lists inputs that become Pulumi secrets; every other changed input is plain.
    """
    inputs = dict(view.inputs)
    for key, value in changes.items():
        if value is REMOVE:
            inputs.pop(key, None)
        else:
            inputs[key] = value
    secrets = (view.secret_paths - set(changes)) | set(secret)
    changed = dataclasses.replace(view, inputs=inputs, secret_paths=frozenset(secrets))
    resources = [changed if r.urn == view.urn else r for r in target.resources]
    return dataclasses.replace(target, resources=resources), changed


def with_config(target: Target, **values: str) -> Target:
    """A copy of `target` whose site config has `values` (keys with `__` for `:`) set."""
    config = dict(target.site.config)
    for key, value in values.items():
        config[key.replace("__", ":")] = ConfigValue(value, False, Location("command line (-c)"))
    site = dataclasses.replace(target.site, config=config)
    return dataclasses.replace(target, site=site)


def judge(rule_id: str, target: Target, view: ResourceView | None = None) -> list[Outcome]:
    """The outcomes of one rule on one resource (or on the stack for stack rules)."""
    all_rules()
    rule = REGISTRY[rule_id]
    context = Context(
        site=target.site, resources=target.resources, rule_config=rule.config_defaults
    )
    return run_rule(rule, view, context)


def failures(rule_id: str, target: Target, view: ResourceView | None = None) -> list[str]:
    return [o.message for o in judge(rule_id, target, view) if o.status is Status.FAIL]


def statuses(rule_id: str, target: Target, view: ResourceView | None = None) -> set[Status]:
    return {o.status for o in judge(rule_id, target, view)}


def bare_site(target: Target) -> Target:
    """The same resources with no stack config, as a state export of a foreign stack."""
    return dataclasses.replace(target, site=SiteFacts(stack=None))
