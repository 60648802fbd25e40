"""What hubctl reads of an object store goes through the seam's ObjectStore: the audit's s3://
state bucket on the site's own cloud (hubctl.audit.states), the escrow's key ids
(hubctl.datasets.recovery), whether an s3:// backend is the site's own store (hubctl.backend).
On a stand-in openstacksdk connection, so OpenStack's store is covered too."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk

from hubctl.audit.states import STACKS_PREFIX, StatesError, _store, _SwiftBucket
from hubctl.backend import SiteBackend
from hubctl.cloud import object_store_of
from hubctl.datasets.recovery import escrowed_key_ids

URL = "s3://hub-local-state?endpoint=http://127.0.0.1:8080&region=LOCAL1"


class Swift:
    """openstacksdk's object-store proxy, holding `containers` (name -> {object: bytes})."""

    def __init__(self, containers: dict[str, dict[str, bytes]], endpoint: Any) -> None:
        self.containers, self.endpoint_answer = containers, endpoint

    def get_endpoint(self) -> Any:
        if isinstance(self.endpoint_answer, Exception):
            raise self.endpoint_answer
        return self.endpoint_answer

    def objects(self, container: str, prefix: str = "") -> list[Any]:
        if container not in self.containers:
            raise sdk.NotFoundException("no container")
        return [SimpleNamespace(name=n, etag="", content_length=len(d), last_modified_at="")
                for n, d in self.containers[container].items() if n.startswith(prefix)]  # fmt: skip

    def download_object(self, name: str, container: str) -> bytes:
        try:
            return self.containers[container][name]
        except KeyError:
            raise sdk.NotFoundException("no object") from None


def conn(containers: dict[str, dict[str, bytes]], endpoint: Any) -> Any:
    return SimpleNamespace(object_store=Swift(containers, endpoint))


STATE = {
    f"{STACKS_PREFIX}hub/local-network.json": b"{}",
    f"{STACKS_PREFIX}hub/local-kms.json": b"{}",
    ".pulumi/meta.yaml": b"version: 1",
}


def test_a_bucket_on_the_sites_own_object_store_is_read_through_it_by_prefix() -> None:
    store = _store(URL, conn({"hub-local-state": STATE}, "http://127.0.0.1:8080/v1/AUTH_p"))
    assert isinstance(store, _SwiftBucket)
    assert store.keys(STACKS_PREFIX) == [
        f"{STACKS_PREFIX}hub/local-kms.json",
        f"{STACKS_PREFIX}hub/local-network.json",
    ]
    assert store.read(f"{STACKS_PREFIX}hub/local-kms.json") == b"{}"


def test_a_missing_bucket_is_an_error_naming_it_not_an_empty_backend() -> None:
    store = _store(URL, conn({}, "http://127.0.0.1:8080/v1/AUTH_p"))
    with pytest.raises(FileNotFoundError, match="hub-local-state"):
        store.keys(STACKS_PREFIX)


def test_a_state_listed_then_gone_is_an_error_naming_it() -> None:
    store = _store(URL, conn({"hub-local-state": {}}, "http://127.0.0.1:8080/v1/AUTH_p"))
    with pytest.raises(FileNotFoundError, match=r"local-network\.json"):
        store.read(f"{STACKS_PREFIX}hub/local-network.json")


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:9999/v1/AUTH_p",  # another host: the bucket is not this store's
        None,  # the region has no object store
        sdk.EndpointNotFound("no object-store in the catalogue"),
    ],
)
def test_a_bucket_elsewhere_is_read_over_s3_with_the_callers_keys(
    endpoint: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    with pytest.raises(StatesError, match="AWS_ACCESS_KEY_ID"):
        _store(URL, conn({"hub-local-state": STATE}, endpoint))


# ---------------------------------------------------------------------- the escrow's key ids

ESCROW = {
    "escrow/cohorts/k-2.json": b"{}",
    "escrow/cohorts/k-1.json": b"{}",
    "escrow/cohorts/k-1.shares": b"",  # not a record
    "escrow/cohorts-old/k-9.json": b"{}",  # another dataset whose name starts alike
}


def test_the_escrowed_key_ids_are_the_datasets_records_sorted() -> None:
    replica = conn({"hub-local-escrow": ESCROW}, "http://127.0.0.1:8080/v1/AUTH_p")
    assert escrowed_key_ids(replica, "hub-local-escrow", "cohorts") == ["k-1", "k-2"]


def test_no_escrow_container_is_an_error_naming_it_not_no_keys() -> None:
    replica = conn({}, "http://127.0.0.1:8080/v1/AUTH_p")
    with pytest.raises(FileNotFoundError, match="hub-local-escrow"):
        escrowed_key_ids(replica, "hub-local-escrow", "cohorts")


# ---------------------------------------------------------- an s3:// backend on the site's cloud


class Cloud:
    def __init__(self, endpoint: Any) -> None:
        self.endpoint = endpoint

    def connect(self) -> Any:
        return conn({}, self.endpoint)


@pytest.mark.parametrize(
    ("endpoint", "on_site"),
    [
        ("http://127.0.0.1:8080/v1/AUTH_p", True),
        ("http://127.0.0.1:9999/v1/AUTH_p", False),
        (None, False),
        (sdk.EndpointNotFound("no object-store in the catalogue"), False),
    ],
)
def test_an_s3_backend_is_the_sites_own_store_only_on_the_same_host(
    endpoint: Any, on_site: bool
) -> None:
    backend = SiteBackend(URL, {}, Cloud(endpoint))  # type: ignore[arg-type]
    assert backend._on_site_cloud() is on_site


# ------------------------------------------------------------------- writes through the seam


class Recorder:
    """openstacksdk's object-store proxy, recording the writes it is asked for."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def upload_object(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append(("upload_object", args, kwargs))

    def set_container_metadata(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append(("set_container_metadata", args, kwargs))


def test_a_write_uploads_that_object_into_that_container() -> None:
    swift = Recorder()
    object_store_of(SimpleNamespace(object_store=swift)).write("escrow", "a/b.json", b"{}")
    assert swift.calls == [
        ("upload_object", (), {"container": "escrow", "name": "a/b.json", "data": b"{}"})
    ]


def test_set_metadata_sets_exactly_the_keys_given_on_that_container() -> None:
    swift = Recorder()
    store = object_store_of(SimpleNamespace(object_store=swift))
    store.set_metadata("ds-replica", {"hub-last-sync": "2026-12-07T18:00:00+00:00"})
    assert swift.calls == [
        ("set_container_metadata", ("ds-replica",), {"hub-last-sync": "2026-12-07T18:00:00+00:00"})
    ]
