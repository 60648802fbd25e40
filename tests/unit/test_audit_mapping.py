"""The audit's one table from live objects to the pack's model is closed and uses the provider's
own names: every type the pack admits is read live or said to have no cloud object, every
input the pack judges of a live type is compared or said unreadable, and every property name is
one the provider's SDK declares for that type (pulumi_openstack, the package the program uses).
"""

from __future__ import annotations

import importlib
from functools import cache

import pytest

from hubctl.audit.mapping import LIVE_TYPES, NOT_LIVE, service_of
from policies.known_types import KNOWN_TYPES
from policies.properties import judged_inputs

# Set by the audit for every live resource (the region it was read in), not by a builder.
SET_BY_THE_AUDIT = frozenset({"region"})


@cache
def provider_properties(token: str) -> frozenset[str]:
    """The properties the provider declares for a type, read from its Python SDK class."""
    _, module, name = token.split(":")
    cls = getattr(importlib.import_module(f"pulumi_openstack.{module.split('/')[0]}"), name)
    return frozenset(
        getattr(member.fget, "_pulumi_name", attribute)
        for attribute, member in vars(cls).items()
        if isinstance(member, property)
    )


@pytest.mark.parametrize("known", KNOWN_TYPES, ids=lambda k: k.token)
def test_every_type_the_pack_admits_is_read_live_or_has_no_cloud_object(known):
    assert (known.token in LIVE_TYPES) != (known.token in NOT_LIVE), known.token


def test_every_type_said_to_have_no_cloud_object_is_one_the_pack_admits():
    admitted = {known.token for known in KNOWN_TYPES}
    assert set(NOT_LIVE) - admitted == set()


@pytest.mark.parametrize(
    "known", [k for k in KNOWN_TYPES if k.token in LIVE_TYPES], ids=lambda k: k.token
)
def test_every_judged_input_of_a_live_type_is_compared_or_said_unreadable(known):
    live = LIVE_TYPES[known.token]
    covered = {c.prop for c in live.compared} | set(live.unreadable) | SET_BY_THE_AUDIT
    assert set(judged_inputs(known.token)) - covered == set()


@pytest.mark.parametrize("token", sorted(LIVE_TYPES))
def test_every_property_the_audit_names_is_one_the_provider_declares(token):
    live = LIVE_TYPES[token]
    names = {c.prop for c in live.compared} | {n for c in live.compared for n in c.state_props}
    names |= set(live.unreadable)
    assert names - provider_properties(token) == set()


@pytest.mark.parametrize("token", sorted(LIVE_TYPES))
def test_every_live_type_names_the_service_that_holds_it(token):
    assert service_of(token) in {
        "network", "compute", "block-storage", "object-store", "key-manager",
        "load-balancer", "image",
    }  # fmt: skip


def test_every_unreadable_input_says_why():
    reasons = [why for live in LIVE_TYPES.values() for why in live.unreadable.values()]
    assert reasons and all(len(why) > 10 for why in reasons)
