"""The cloud seam's object store (hubctl.cloud.object_store_of) on the local cloud's Swift.

The datasets, their escrow and the drill's replication read containers through it: what is
absent must come back as None (an empty replica, a missing share, a dataset never written),
and what is there exactly as Swift holds it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hubctl.cloud import object_store_of

pytestmark = pytest.mark.integration

CONTENTS = {"results/a.csv": b"id,value\n1,2\n", "results/b.csv": b"", "notes.txt": b"hello"}


@pytest.fixture(scope="module")
def container(connection: Any) -> Iterator[str]:
    """A container of the test's own (the user's site shares the project), with three objects
    and one metadata key written as Swift's clients write it, in mixed case."""
    name = f"hub-seamtest-{uuid.uuid4().hex[:8]}"
    connection.object_store.create_container(name=name)
    connection.object_store.set_container_metadata(name, **{"Hub-Last-Sync": "2026-12-07"})
    for object_name, data in CONTENTS.items():
        connection.object_store.upload_object(container=name, name=object_name, data=data)
    yield name
    for object_name in CONTENTS:
        connection.object_store.delete_object(object_name, container=name, ignore_missing=True)
    connection.object_store.delete_container(name, ignore_missing=True)


def test_an_absent_container_reads_lists_and_describes_as_none(connection: Any) -> None:
    store = object_store_of(connection)
    absent = f"hub-seamtest-absent-{uuid.uuid4().hex[:8]}"
    assert store.read(absent, "notes.txt") is None
    assert store.listing(absent) is None
    assert store.container_metadata(absent) is None


def test_an_absent_object_of_a_present_container_reads_as_none(
    connection: Any, container: str
) -> None:
    assert object_store_of(connection).read(container, "results/missing.csv") is None


def test_an_object_reads_as_its_bytes(connection: Any, container: str) -> None:
    store = object_store_of(connection)
    for object_name, data in CONTENTS.items():
        assert store.read(container, object_name) == data


def test_the_listing_gives_each_objects_name_md5_and_size(connection: Any, container: str) -> None:
    listing = object_store_of(connection).listing(container) or []
    assert {(o.name, o.etag, o.size) for o in listing} == {
        (name, hashlib.md5(data).hexdigest(), len(data)) for name, data in CONTENTS.items()
    }
    assert all(o.modified.startswith("20") for o in listing)


def test_a_prefix_lists_only_the_objects_under_it(connection: Any, container: str) -> None:
    listing = object_store_of(connection).listing(container, "results/") or []
    assert sorted(o.name for o in listing) == ["results/a.csv", "results/b.csv"]


def test_container_metadata_keys_come_back_lower_cased(connection: Any, container: str) -> None:
    meta = object_store_of(connection).container_metadata(container)
    assert meta is not None
    assert meta.get("hub-last-sync") == "2026-12-07"
