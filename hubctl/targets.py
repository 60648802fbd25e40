"""The pack's targets offline: a synthesized stack, and its resources, as the pack judges them.

A `pulumi stack export` file is read and checked by hubctl/state_export.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from hubcore.paths import relative
from hubcore.stackfiles import stack_file
from hubcore.values import ConfigValue, Location
from infra.providers import REGION_KEY_PROVIDERS
from policies.evaluate import Target
from policies.facts import site_facts
from policies.model import ResourceView
from synth.records import ResourceRecord, SynthResult

STACK_TYPE = "pulumi:pulumi:Stack"


def stack_urn(stack: str, project: str = "hub") -> str:
    return f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"


def _relative_stack_file(stack: str) -> Location:
    return Location(relative(stack_file(stack)))


def view_of_record(record: ResourceRecord) -> ResourceView:
    source = Location(record.source_file, record.source_line) if record.source_file else None
    return ResourceView(
        urn=record.urn,
        type=record.type,
        name=record.name,
        inputs=record.inputs,
        secret_paths=record.secret_paths,
        provider_urn=record.provider_urn,
        parent=record.parent,
        # synth.mockengine.HubMocks gives every resource the id "<name>-id"; references between
        # resources (a rule's security group) carry that id, so views resolve them by it.
        id=f"{record.name}-id" if record.custom else None,
        source=source,
    )


def target_of_synth(result: SynthResult) -> Target:
    return with_resources(target_head(result.stack, result.config), result.resources)


def target_head(stack: str, config: Mapping[str, ConfigValue]) -> Target:
    """A synthesised stack's target without its resources: name, site facts, fallback line."""
    return Target(
        name=stack,
        site=site_facts(stack, config),
        resources=[],
        stack_urn=stack_urn(stack),
        fallback=_relative_stack_file(stack),
    )


def with_resources(head: Target, records: Iterable[ResourceRecord]) -> Target:
    """The target `head` with the resources of these records."""
    return dataclasses.replace(head, resources=[view_of_record(r) for r in records])


def target_of_unplaced_stack(stack: str, config: Mapping[str, ConfigValue], key: str) -> Target:
    """A stack whose config names a region the catalogue does not know (or none) under `key`.

    The program cannot be declared without a catalogue region, but to the policy pack this is
    not a usage error: it is the very thing the region rules fail closed on. The stack is judged
    as the provider that key configures, so `hubctl check` reports a region violation at the
    config line, with the nearest allowed region.
    """
    name = REGION_KEY_PROVIDERS[key]
    provider = ResourceView(
        urn=f"urn:pulumi:{stack}::hub::{STACK_TYPE}$pulumi:providers:openstack::{name}",
        type="pulumi:providers:openstack",
        name=name,
        inputs={"region": config[key].value if key in config else None},
    )
    return Target(
        name=stack,
        site=site_facts(stack, config),
        resources=[provider],
        stack_urn=stack_urn(stack),
        fallback=_relative_stack_file(stack),
    )
