"""Recovery family: targets declared, dataset keys recoverable, on production sites only."""

from __future__ import annotations

import dataclasses
import json

from policies.evaluate import Target
from policies.model import Status
from tests.policies.conftest import failures, statuses, with_config

TARGETS, KEYS = "recovery-targets-declared", "recovery-dataset-keys-recoverable"
CUSTODIANS = [
    {"id": "a", "recipient": "age1" + "q" * 58},
    {"id": "b", "recipient": "age1" + "p" * 58},
    {"id": "c", "recipient": "age1" + "z" * 58},
]


def without(target: Target, *keys: str) -> Target:
    config = {k: v for k, v in target.site.config.items() if k not in keys}
    return dataclasses.replace(target, site=dataclasses.replace(target.site, config=config))


def custodians(threshold: int, count: int) -> str:
    return json.dumps({"threshold": threshold, "custodians": CUSTODIANS[:count]})


def test_the_shipped_production_site_passes_both(target):
    prod = target("prod-kms")
    assert statuses(TARGETS, prod) == {Status.PASS}
    assert statuses(KEYS, prod) == {Status.PASS}


def test_a_site_that_is_not_production_is_not_judged(target):
    staging = target("staging-kms")
    assert statuses(TARGETS, staging) == {Status.NOT_APPLICABLE}
    assert statuses(KEYS, staging) == {Status.NOT_APPLICABLE}


def test_production_without_an_rto_target_fails(target):
    [message] = failures(TARGETS, without(target("prod-kms"), "hub:rtoTarget"))
    assert "declares no hub:rtoTarget" in message


def test_production_without_an_rpo_target_fails(target):
    [message] = failures(TARGETS, without(target("prod-kms"), "hub:rpoTarget"))
    assert "declares no hub:rpoTarget" in message


def test_a_target_that_is_not_a_duration_fails(target):
    [message] = failures(TARGETS, with_config(target("prod-kms"), hub__rtoTarget="soon"))
    assert "'soon' is not a duration" in message


def test_production_without_escrow_or_custodians_fails(target):
    [message] = failures(KEYS, without(target("prod-kms"), "hub:keyEscrow"))
    assert "neither hub:keyEscrow nor hub:keyCustodians" in message


def test_escrow_set_to_false_fails(target):
    assert failures(KEYS, with_config(target("prod-kms"), hub__keyEscrow="false"))


def test_escrow_without_a_replica_region_fails(target):
    [message] = failures(KEYS, without(target("prod-kms"), "hub:replicaRegion"))
    assert "no hub:replicaRegion" in message


def test_two_of_three_custodians_pass_without_escrow(target):
    prod = with_config(
        without(target("prod-kms"), "hub:keyEscrow"), hub__keyCustodians=custodians(2, 3)
    )
    assert statuses(KEYS, prod) == {Status.PASS}


def test_a_threshold_of_one_is_no_split_control(target):
    prod = with_config(target("prod-kms"), hub__keyCustodians=custodians(1, 3))
    [message] = failures(KEYS, prod)
    assert "asks 1 of 3" in message


def test_a_threshold_equal_to_the_custodians_passes(target):
    prod = with_config(target("prod-kms"), hub__keyCustodians=custodians(3, 3))
    assert statuses(KEYS, prod) == {Status.PASS}


def test_a_threshold_above_the_custodians_fails(target):
    prod = with_config(target("prod-kms"), hub__keyCustodians=custodians(4, 3))
    [message] = failures(KEYS, prod)
    assert "asks 4 of 3" in message


def test_unreadable_custodians_fail(target):
    [message] = failures(KEYS, with_config(target("prod-kms"), hub__keyCustodians="alice"))
    assert "cannot be read" in message
