"""Every taggable hub resource carries the hash of its own URN (hubcore.urns).

The expected value is computed here from the URN the engine's monitor recorded, with hashlib,
not through the program's helper: a wrong type chain, name or hash length would differ.
"""

from __future__ import annotations

import hashlib

import pytest

from hubcore.urns import hash_of_tag, urn_tag
from tests.conftest import Synth

TAGGED = (
    "networking/network:Network",
    "networking/subnet:Subnet",
    "networking/router:Router",
    "networking/port:Port",
    "networking/secGroup:SecGroup",
    "compute/instance:Instance",
)
WITH_METADATA = (
    "compute/instance:Instance",
    "blockstorage/volume:Volume",
    "keymanager/secretV1:SecretV1",
    "objectstorage/container:Container",
)


def expected(urn: str) -> str:
    return hashlib.sha256(urn.encode()).hexdigest()[:16]


@pytest.mark.parametrize("stack", ["local-network", "local-compute", "prod-kms", "prod-storage"])
def test_each_tagged_resource_carries_its_own_urn_hash(synth: Synth, stack: str) -> None:
    result = synth(stack)
    checked = 0
    for record in result.resources:
        kind = record.type.split(":", 1)[-1]
        if kind in TAGGED:
            tags = [t for t in record.inputs["tags"] if t.startswith("hub-urn=")]
            assert tags == [f"hub-urn={expected(record.urn)}"], record.urn
            checked += 1
        if kind in WITH_METADATA:
            assert record.inputs["metadata"]["hub-urn"] == expected(record.urn), record.urn
            checked += 1
    assert checked >= 4, stack


def test_urn_tags_fit_nova_and_neutron_limits() -> None:
    urn = "urn:pulumi:local-compute::hub::hub:layers:Compute$openstack:compute/instance:Instance::x"
    tag = urn_tag(urn)
    assert len(tag) <= 60
    assert "/" not in tag
    assert hash_of_tag(tag) == expected(urn)


def test_a_tag_of_another_key_or_length_is_not_a_urn_tag() -> None:
    assert hash_of_tag("site=local") is None
    assert hash_of_tag("hub-urn=abc") is None
    assert hash_of_tag("hub-urn") is None
