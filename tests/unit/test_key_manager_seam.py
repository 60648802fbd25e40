"""The key manager, sealed objects and a project's routes and caller, through the cloud seam
(hubctl.cloud: KeyManager, ObjectStore, Project), on a stand-in openstacksdk connection whose
session answers as Barbican, Swift and Neutron do: what the envelope, the escrow, a shred, a
replication copy and a workspace's close ask of the cloud, OpenStack's implementation included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from hubctl.cloud import HttpStatusError, key_manager_of, object_store_of, project_of
from hubctl.cloud.api import ObjectVersion, reference_id
from hubctl.drill.replication import copy_object
from hubctl.envelope import (
    EnvelopeError,
    fetch_key,
    get_object,
    get_sealed,
    open_sealed,
    put_items,
    put_sealed,
    seal,
)
from hubctl.workspaces.closing import _routes_of
from hubctl.workspaces.closing_record import credentials_of

BARBICAN = "http://127.0.0.1:9311"
KEY = bytes(range(32))


@dataclass
class Answer:
    status_code: int
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None

    def json(self) -> Any:
        return self.body


@dataclass
class Session:
    """keystoneauth's session as openstacksdk hands it out: raw requests by service, answered
    from the stand-in's own secrets, orders, objects and routers."""

    region: str
    secrets: dict[str, bytes] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)  # order id -> its secret's id
    objects: dict[str, tuple[bytes, dict[str, str]]] = field(default_factory=dict)
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    filters: list[dict[str, str]] = field(default_factory=list)
    down_after_pages: int | None = None  # the orders' listing fails from that page on

    def _serve(self, method: str, path: str, endpoint_filter: dict[str, str], **kw: Any) -> Answer:
        assert kw.pop("raise_exc") is False  # a status is an answer, never the client's raise
        self.filters.append(endpoint_filter)
        assert len(self.filters) < 100, "the same request again and again: a loop that never ends"
        service = endpoint_filter["service_type"]
        if service == "key-manager":
            return self._barbican(method, path, kw)
        if service == "object-store":
            return self._swift(method, path, kw)
        if service == "network":
            kind, ident = path.removeprefix("/v2.0/").split("/")
            found = self.networks.get(f"{kind}/{ident}")
            return Answer(200, body=found) if found is not None else Answer(404)
        raise AssertionError(f"no such service {service}")

    def _barbican(self, method: str, path: str, kw: dict[str, Any]) -> Answer:
        parts = path.removeprefix("/v1/").split("/")
        if parts == ["orders"]:
            offset, limit = kw["params"]["offset"], kw["params"]["limit"]
            if self.down_after_pages is not None and offset >= self.down_after_pages * limit:
                return Answer(500)
            listed = sorted(self.orders.items())[offset : offset + limit]
            refs = [
                {
                    "order_ref": f"{BARBICAN}/v1/orders/{o}",
                    "secret_ref": f"{BARBICAN}/v1/secrets/{s}",
                }
                for o, s in listed
            ]
            return Answer(200, body={"orders": refs})  # fmt: skip
        held = self.secrets if parts[0] == "secrets" else self.orders
        if parts[1] not in held:
            return Answer(404)
        if method == "delete":
            del held[parts[1]]
            return Answer(204)
        if parts[2:] == ["payload"]:
            assert kw["headers"] == {"Accept": "application/octet-stream"}
            return Answer(200, content=self.secrets[parts[1]])
        return Answer(200)

    def _swift(self, method: str, path: str, kw: dict[str, Any]) -> Answer:
        if method == "put":
            headers = kw["headers"]
            if headers.get("If-None-Match") == "*" and path in self.objects:
                return Answer(412)
            self.objects[path] = (kw["data"], dict(headers))
            return Answer(201)
        if path not in self.objects:
            return Answer(404)
        body, headers = self.objects[path]
        return Answer(200, content=body, headers=headers)

    def get(self, path: str, **kw: Any) -> Answer:
        return self._serve("get", path, **kw)

    def put(self, path: str, **kw: Any) -> Answer:
        return self._serve("put", path, **kw)

    def delete(self, path: str, **kw: Any) -> Answer:
        return self._serve("delete", path, **kw)


def cloud(region: str = "LOCAL1", **held: Any) -> Any:
    return SimpleNamespace(
        session=Session(region, **held),
        config=SimpleNamespace(region_name=region),
        current_user_id="u-1",
        current_project_id="p-1",
    )


# ------------------------------------------------------------------------------ key manager


def test_a_keys_payload_is_its_bytes_from_the_key_manager() -> None:
    conn = cloud(secrets={"k-1": KEY})
    assert fetch_key(conn, f"{BARBICAN}/v1/secrets/k-1") == KEY


def test_a_deleted_key_is_an_envelope_error_naming_it_and_the_status() -> None:
    conn = cloud(secrets={})
    with pytest.raises(EnvelopeError, match=r"the key .*/k-1 cannot be read .*\(HTTP 404\)"):
        fetch_key(conn, f"{BARBICAN}/v1/secrets/k-1")


def test_the_key_manager_is_asked_in_the_connections_own_region_only() -> None:
    # A connection made for the DR region must never reach the primary region's Barbican.
    conn = cloud("LOCAL2", secrets={"k-1": KEY})
    key_manager_of(conn).payload("k-1")
    key_manager_of(conn).delete_secret("k-1")
    expected = {"service_type": "key-manager", "interface": "public", "region_name": "LOCAL2"}
    assert conn.session.filters == [expected, expected]


def test_a_deletion_and_a_check_answer_the_key_managers_status() -> None:
    conn = cloud(secrets={"k-1": KEY}, orders={"o-1": "k-1"})
    keys = key_manager_of(conn)
    assert (keys.secret_status("k-1"), keys.order_status("o-1")) == (200, 200)
    assert (keys.delete_order("o-1"), keys.delete_secret("k-1")) == (204, 204)
    assert (keys.secret_status("k-1"), keys.order_status("o-1")) == (404, 404)
    assert keys.delete_secret("k-1") == 404


def test_the_orders_that_generated_the_keys_are_found_on_every_page() -> None:
    # 250 orders over three pages of 100; the wanted keys' orders sit on the first and last.
    orders = {f"o-{n:03}": f"k-{n:03}" for n in range(250)}
    conn = cloud(orders=orders)
    found = key_manager_of(conn).generating_orders({"k-004", "k-249", "k-missing"})
    assert found == ["o-004", "o-249"]


def test_the_orders_listed_before_the_key_manager_stopped_answering_are_kept() -> None:
    orders = {f"o-{n:03}": f"k-{n:03}" for n in range(250)}
    conn = cloud(orders=orders, down_after_pages=1)
    assert key_manager_of(conn).generating_orders({"k-004", "k-249"}) == ["o-004"]


class Secrets:
    """openstacksdk's key-manager proxy: its secrets as the SDK gives them."""

    def __init__(self, listed: list[Any]) -> None:
        self.listed = listed
        self.queries: list[dict[str, Any]] = []

    def secrets(self, **query: Any) -> list[Any]:
        self.queries.append(query)
        return [s for s in self.listed if "name" not in query or s.name == query["name"]]


def sdk_secret(ident: str, name: str | None, status: str, created: str | None) -> Any:
    ref = f"{BARBICAN}/v1/secrets/{ident}"
    return SimpleNamespace(id=ref, secret_ref=ref, name=name, status=status, created_at=created)


def test_a_secrets_listing_gives_id_reference_name_status_and_stamp() -> None:
    proxy = Secrets([sdk_secret("k-1", "hub-local-key-a", "ACTIVE", "2026-12-07T10:00:00")])
    [secret] = key_manager_of(SimpleNamespace(key_manager=proxy)).secrets()
    assert (secret.id, secret.ref, secret.name, secret.status, secret.created) == (
        "k-1", f"{BARBICAN}/v1/secrets/k-1", "hub-local-key-a", "ACTIVE", "2026-12-07T10:00:00"
    )  # fmt: skip


def test_a_secrets_listing_by_name_asks_the_key_manager_for_that_name() -> None:
    proxy = Secrets(
        [sdk_secret("k-1", "a", "ACTIVE", None), sdk_secret("k-2", "b", "ACTIVE", None)]
    )
    listed = key_manager_of(SimpleNamespace(key_manager=proxy)).secrets(name="b")
    assert ([s.id for s in listed], proxy.queries) == (["k-2"], [{"name": "b"}])


def test_a_secret_without_name_or_stamp_reads_as_empty_strings() -> None:
    proxy = Secrets([sdk_secret("k-1", None, "ACTIVE", None)])
    [secret] = key_manager_of(SimpleNamespace(key_manager=proxy)).secrets()
    assert (secret.name, secret.created) == ("", "")


# --------------------------------------------------------------------------- sealed objects


def test_a_sealed_object_travels_with_its_wrapped_key_and_opens_again() -> None:
    conn = cloud(secrets={"k-1": KEY})
    ref = f"{BARBICAN}/v1/secrets/k-1"
    put_items(conn, "extracts", ref, [("table.csv", b"a,b\n1,2\n")])
    body, headers = conn.session.objects["/extracts/table.csv"]
    assert b"1,2" not in body
    assert headers["X-Object-Meta-key-ref"] == ref
    assert headers["Content-Type"] == "application/octet-stream"
    assert get_object(conn, "extracts", "table.csv") == b"a,b\n1,2\n"


def test_an_objects_own_metadata_is_read_back_lower_cased_without_its_prefix() -> None:
    conn = cloud()
    conn.session.objects["/c/o"] = (b"x", {"X-Object-Meta-Key-Ref": "r", "Etag": "e"})
    assert get_sealed(conn, "c", "o") == (b"x", {"key-ref": "r"})


def test_an_absent_object_is_an_envelope_error_naming_it_and_the_status() -> None:
    with pytest.raises(EnvelopeError, match=r"c/o: cannot be read \(HTTP 404\)"):
        get_sealed(cloud(), "c", "o")
    with pytest.raises(HttpStatusError) as raised:
        object_store_of(cloud()).get_with_metadata("c", "o")
    assert raised.value.status_code == 404


def test_only_if_absent_leaves_an_existing_object_as_it_was_and_says_412() -> None:
    conn = cloud()
    first = seal("m", b"first", KEY, "ref")
    assert put_sealed(conn, "c", "m", first, only_if_absent=True) == 201
    assert put_sealed(conn, "c", "m", seal("m", b"second", KEY, "ref"), only_if_absent=True) == 412
    assert conn.session.objects["/c/m"][0] == first.body
    assert "If-None-Match" not in put_headers(conn, "n")


def put_headers(conn: Any, name: str) -> dict[str, str]:
    put_sealed(conn, "c", name, seal(name, b"", KEY, "ref"))
    return conn.session.objects[f"/c/{name}"][1]


def test_an_upload_the_store_refuses_is_an_envelope_error_with_the_status() -> None:
    conn = cloud()
    conn.session.put = lambda path, **kw: Answer(507)
    with pytest.raises(EnvelopeError, match=r"c/m: upload refused \(HTTP 507\)"):
        put_sealed(conn, "c", "m", seal("m", b"", KEY, "ref"))


def test_a_replication_copy_carries_the_metadata_so_the_copy_opens() -> None:
    primary, replica = cloud(secrets={"k-1": KEY}), cloud("LOCAL2")
    ref = f"{BARBICAN}/v1/secrets/k-1"
    put_items(primary, "ds", ref, [("cohort.csv", b"id\n7\n")])
    copy_object(primary, "ds", replica, "ds-replica", "cohort.csv")
    body, metadata = get_sealed(replica, "ds-replica", "cohort.csv")
    assert open_sealed("cohort.csv", body, metadata, KEY) == b"id\n7\n"
    assert {f["region_name"] for f in replica.session.filters} == {"LOCAL2"}


def test_a_replication_copy_the_replica_refuses_names_it_and_the_status() -> None:
    primary, replica = cloud(secrets={"k-1": KEY}), cloud("LOCAL2")
    put_items(primary, "ds", f"{BARBICAN}/v1/secrets/k-1", [("cohort.csv", b"")])
    replica.session.put = lambda path, **kw: Answer(412)
    with pytest.raises(RuntimeError, match=r"ds-replica/cohort.csv: copy refused \(HTTP 412\)"):
        copy_object(primary, "ds", replica, "ds-replica", "cohort.csv")


class VersionedSwift:
    """openstacksdk's object-store proxy over a versioned container."""

    def __init__(self, listing: list[dict[str, Any]] | None) -> None:
        self.listing = listing
        self.deleted: list[tuple[str, dict[str, str]]] = []
        self.asked: dict[str, str] = {}

    def get(self, path: str, params: dict[str, str]) -> Answer:
        self.asked = params
        if self.listing is None:
            return Answer(404)
        prefix = params["prefix"]
        return Answer(200, body=[i for i in self.listing if i["name"].startswith(prefix)])

    def delete(self, path: str, params: dict[str, str]) -> None:
        self.deleted.append((path, params))


def test_every_version_is_listed_and_each_deleted_by_its_own_id() -> None:
    swift = VersionedSwift([
        {"name": "escrow/a/1.json", "version_id": "v1"},
        {"name": "escrow/a/1.json", "version_id": "v2"},
        {"name": "shares/a/x.json", "version_id": "v3"},
        {"name": "escrow/a/2.json"},  # a container that keeps no versions
    ])  # fmt: skip
    store = object_store_of(SimpleNamespace(object_store=swift))
    versions = store.versions("escrow", "escrow/a/")
    assert versions == [
        ObjectVersion("escrow/a/1.json", "v1"),
        ObjectVersion("escrow/a/1.json", "v2"),
        ObjectVersion("escrow/a/2.json", ""),
    ]
    assert swift.asked == {"format": "json", "versions": "", "prefix": "escrow/a/"}
    for version in versions:
        store.delete_version("escrow", version)
    assert swift.deleted == [
        ("/escrow/escrow/a/1.json", {"version-id": "v1"}),
        ("/escrow/escrow/a/1.json", {"version-id": "v2"}),
        ("/escrow/escrow/a/2.json", {}),
    ]


def test_an_absent_container_has_no_versions() -> None:
    store = object_store_of(SimpleNamespace(object_store=VersionedSwift(None)))
    assert store.versions("escrow") == []


# ------------------------------------------------------------------ a project's routes, caller


def test_a_shared_routes_owner_is_the_edge_router_when_the_route_names_one() -> None:
    conn = cloud(networks={
        "routers/r-1": {"router": {"routes": [{"destination": "10.8.0.0/24", "nexthop": "x"}]}},
        "subnets/s-1": {"subnet": {"host_routes": [{"destination": "10.9.0.0/24"}]}},
    })  # fmt: skip
    assert _routes_of(conn, {"routerId": "r-1", "subnetId": "s-1"}) == (
        ["10.8.0.0/24"], "route on the edge router"
    )  # fmt: skip
    assert _routes_of(conn, {"subnetId": "s-1"}) == (["10.9.0.0/24"], "route on the admin subnet")


def test_an_owner_that_cannot_be_read_has_no_routes_to_tell() -> None:
    conn = cloud(networks={"subnets/s-1": {"subnet": {}}})
    assert project_of(conn).router_routes("r-gone") is None
    assert project_of(conn).subnet_routes("s-1") == []


def test_who_closed_names_the_ids_the_cloud_gave_and_never_a_password() -> None:
    env = {"OS_USERNAME": "ops", "OS_PASSWORD": "secret", "OS_PROJECT_NAME": "hub"}
    assert credentials_of(cloud(), env) == {
        "auth_url": "", "user": "ops", "user_id": "u-1", "project": "hub",
        "project_id": "p-1", "region": "",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("ref", "ident"),
    [
        # Barbican's references (its API reference: /v1/secrets/{uuid}, /v1/containers/{uuid},
        # /v1/orders/{uuid}), with or without a trailing slash.
        ("http://127.0.0.1:9311/v1/secrets/0b0c3f53-4d0e-4d1c-9f38-0d1a7a3c5e11",
         "0b0c3f53-4d0e-4d1c-9f38-0d1a7a3c5e11"),
        ("http://127.0.0.1:9311/v1/containers/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d/",
         "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"),
        ("http://127.0.0.1:9311/v1/orders/7e3b0a2c-1f4e-4a55-8d1b-2c3d4e5f6a70",
         "7e3b0a2c-1f4e-4a55-8d1b-2c3d4e5f6a70"),
        ("7e3b0a2c-1f4e-4a55-8d1b-2c3d4e5f6a70", "7e3b0a2c-1f4e-4a55-8d1b-2c3d4e5f6a70"),
        (None, ""),
        ("", ""),
    ],
)  # fmt: skip
def test_a_key_managers_reference_names_its_id_by_its_last_segment(ref, ident) -> None:
    assert reference_id(ref) == ident
