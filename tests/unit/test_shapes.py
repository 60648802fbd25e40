"""synth.sampling: a compute layer is expanded from a sample only when the sample proves it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hubcore.stackfiles import load_layered_config
from infra.config import validate_config
from infra.tiers import SITE_ROLES
from synth import sampling as shapes
from synth.records import ResourceRecord
from synth.synthesis import run_mocked

STACK = "prod-compute"


def sizes(app: int, data: int) -> dict[str, str]:
    return {
        "hub:sizes": json.dumps(
            {
                "bastion": {"flavor": "b3-8", "count": 2},
                "app": {"flavor": "b3-32", "count": app},
                "data": {"flavor": "r3-64", "count": data, "dataVolumeGb": 500},
            }
        )
    }


@pytest.mark.parametrize(
    ("count", "sample"),
    [
        (0, 0),
        (3, 3),
        (10, 10),
        (11, 11),
        (13, 13),
        (14, 13),
        (100, 13),
        (101, 101),
        (104, 103),
        (1000, 103),
    ],
)
def test_the_sample_holds_every_index_length_three_times_for_the_longest(count, sample):
    assert shapes.sample_count(count) == sample


@pytest.mark.parametrize(
    ("index", "template"), [(0, 0), (9, 0), (10, 10), (99, 10), (100, 100), (999, 100)]
)
def test_an_index_takes_the_first_sample_host_of_its_length(index, template):
    assert shapes.template_index(index) == template


def expand(run, **counts: int) -> list[ResourceRecord] | None:
    values = load_layered_config(STACK, sizes(**counts))
    return shapes.expanded(STACK, validate_config(STACK, values), values, run)


def test_a_small_layer_is_left_to_the_program():
    assert expand(run_mocked, app=3, data=3) is None


def test_a_large_layer_is_expanded_to_every_host():
    records = expand(run_mocked, app=20, data=16)
    assert records is not None
    instances = [r.name for r in records if r.type.endswith("compute/instance:Instance")]
    assert instances == (
        [f"hub-prod-bastion-{i}" for i in range(2)]
        + [f"hub-prod-app-{i}" for i in range(20)]
        + [f"hub-prod-data-{i}" for i in range(16)]
    )


def altered(change: Any) -> Any:
    """A run of the real program whose records `change` alters (a program unlike this one)."""

    def run(stack, config, values):
        return change(run_mocked(stack, config, values), config)

    return run


def test_a_host_that_depends_on_its_index_beyond_its_name_is_not_expanded():
    def by_parity(records, config):
        # As if the program put odd hosts in another availability zone.
        return [
            r.model_copy(update={"inputs": {**r.inputs, "availabilityZone": "b"}})
            if r.type.endswith("Instance") and r.name[-1] in "13579"
            else r
            for r in records
        ]

    assert expand(altered(by_parity), app=20, data=16) is None


def test_a_resource_outside_the_hosts_that_follows_the_counts_is_not_expanded():
    def counted(records, config):
        total = sum(config.sizes.of(role).count for role in SITE_ROLES)
        return [
            r.model_copy(update={"inputs": {**r.inputs, "hosts": total}})
            if r.type.endswith("ServerGroup")
            else r
            for r in records
        ]

    assert expand(altered(counted), app=20, data=16) is None


def test_a_host_out_of_order_is_not_expanded():
    def swapped(records, config):
        names = [r.name for r in records]
        if "hub-prod-app-4-boot" not in names:
            return records
        first = names.index("hub-prod-app-3-boot")
        second = names.index("hub-prod-app-4-boot")
        records = list(records)
        records[first], records[second] = records[second], records[first]
        return records

    assert expand(altered(swapped), app=20, data=16) is None


def test_a_host_whose_records_are_not_named_after_it_is_not_expanded():
    def renamed(records, config):
        return [r for r in records if r.name != "hub-prod-data-2"]

    assert expand(altered(renamed), app=20, data=16) is None
