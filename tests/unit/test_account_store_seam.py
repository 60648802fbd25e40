"""The airlock's object store as the caller's token reaches it (hubctl.cloud.AccountStore, used
by hubctl.airlock.store.Store), and the S3 keys of the state backend (ObjectStore.s3_credentials),
on stand-in openstacksdk connections: OpenStack's implementation included."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from hubctl.airlock.store import Store, StoreError, actor_of
from hubctl.cloud import account_store_of, object_store_of
from infra.layers.workspace import AirlockNames

OWN = "http://127.0.0.1:8080/v1/AUTH_p-member"


@dataclass
class Answer:
    status_code: int
    content: bytes = b""

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass
class Swift:
    """keystoneauth's session on Swift: objects by URL; `refused` URLs answer 403."""

    objects: dict[str, bytes] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    page: int = 2  # names per listing page
    auth: Any = None

    def request(self, url: str, method: str, raise_exc: bool, **extra: Any) -> Answer:
        assert raise_exc is False  # a refusal is the store's answer, never the client's raise
        self.sent.append((method, url, extra))
        assert len(self.sent) < 50, "the same request again and again: a listing that never ends"
        if url in self.refused:
            return Answer(403)
        if method == "PUT":
            if extra["headers"].get("If-None-Match") == "*" and url in self.objects:
                return Answer(412)
            self.objects[url] = extra["data"]
            return Answer(201)
        if method == "DELETE":
            return Answer(204 if self.objects.pop(url, None) is not None else 404)
        if "params" in extra:  # a listing
            container = url + "/"
            if not any(u.startswith(container) for u in self.objects):
                return Answer(404)
            names = sorted(
                u.removeprefix(container) for u in self.objects if u.startswith(container)
            )
            params = extra["params"]
            names = [n for n in names if n.startswith(params["prefix"]) and n > params["marker"]]
            return Answer(200, json.dumps([{"name": n} for n in names[: self.page]]).encode())
        if url not in self.objects:
            return Answer(404)
        return Answer(200, self.objects[url])


def conn(swift: Swift) -> Any:
    return SimpleNamespace(session=swift, object_store=SimpleNamespace(get_endpoint=lambda: OWN))


NAMES = AirlockNames(
    ledger="ws-a-ledger",
    outbox="ws-a-outbox",
    release="hub-local-release",
    decisions={"officer-1": "ws-a-decisions-officer-1"},
)


def test_an_upload_carries_its_md5_so_the_store_verifies_it() -> None:
    swift = Swift()
    account_store_of(conn(swift)).put("ws-a-outbox", "r-1/table.csv", b"a,b\n")
    [(method, url, extra)] = swift.sent
    assert (method, url) == ("PUT", f"{OWN}/ws-a-outbox/r-1/table.csv")
    assert extra["headers"]["ETag"] == hashlib.md5(b"a,b\n").hexdigest()
    assert "If-None-Match" not in extra["headers"]


def test_another_projects_container_is_reached_in_that_projects_account() -> None:
    swift = Swift()
    account_store_of(conn(swift)).get("hub-local-release", "r-1/x", account="p-site")
    assert swift.sent[0][1] == "http://127.0.0.1:8080/v1/AUTH_p-site/hub-local-release/r-1/x"


def test_names_are_quoted_a_container_whole_an_object_keeping_its_slashes() -> None:
    swift = Swift()
    account_store_of(conn(swift)).get("a/b c", "r 1/t.csv")
    assert swift.sent[0][1] == f"{OWN}/a%2Fb%20c/r%201/t.csv"


def test_an_upload_that_must_not_replace_is_refused_when_the_name_is_taken() -> None:
    store = Store(conn(Swift()), NAMES)
    store.upload("r-1/t.csv", _file(b"first"))
    with pytest.raises(StoreError, match=r"PUT ws-a-outbox/r-1/t.csv: Swift answered HTTP 412"):
        store.upload("r-1/t.csv", _file(b"second"))
    assert store.outbox_bytes("r-1/t.csv") == b"first"


def _file(data: bytes) -> Any:
    return SimpleNamespace(read_bytes=lambda: data)


def test_what_the_token_may_not_read_is_the_stores_refusal_with_its_status() -> None:
    swift = Swift(refused={f"{OWN}/ws-a-ledger/r-1.json"})
    with pytest.raises(StoreError) as raised:
        Store(conn(swift), NAMES).get("ws-a-ledger", "r-1.json")
    assert raised.value.status == 403


def test_an_absent_object_is_none_and_an_absent_deletion_is_no_error() -> None:
    store = Store(conn(Swift()), NAMES)
    assert store.get("ws-a-ledger", "r-1.json") is None
    store.delete("ws-a-outbox", "r-1/gone.csv")


def test_a_listing_reads_every_page_after_the_last_name_of_the_one_before() -> None:
    swift = Swift({f"{OWN}/ws-a-outbox/r-1/{n}": b"" for n in ("a", "b", "c", "d", "e")})
    swift.objects[f"{OWN}/ws-a-outbox/r-2/z"] = b""
    names = Store(conn(swift), NAMES).listing("ws-a-outbox", prefix="r-1/")
    assert names == ["r-1/a", "r-1/b", "r-1/c", "r-1/d", "r-1/e"]
    markers = [extra["params"]["marker"] for method, _, extra in swift.sent if "params" in extra]
    assert markers == ["", "r-1/b", "r-1/d", "r-1/e"]


def test_an_absent_container_lists_nothing_and_a_refused_listing_is_an_error() -> None:
    assert Store(conn(Swift()), NAMES).listing("ws-a-ledger") == []
    swift = Swift(refused={f"{OWN}/ws-a-outbox"})
    with pytest.raises(StoreError, match="GET ws-a-outbox \\(listing\\): Swift answered HTTP 403"):
        Store(conn(swift), NAMES).listing("ws-a-outbox")


def test_who_acts_is_the_identity_services_answer_for_the_token() -> None:
    access = SimpleNamespace(
        user_id="u-1", username="alice", project_id="p-member", role_names=["reader", "member"]
    )
    swift = Swift(auth=SimpleNamespace(get_access=lambda session: access))
    actor = actor_of(conn(swift))
    assert (actor.user_id, actor.user, actor.project_id, actor.roles) == (
        "u-1", "alice", "p-member", ["member", "reader"]
    )  # fmt: skip


# -------------------------------------------------------------- the state backend's S3 keys


class Keystone:
    """openstacksdk's identity proxy: the EC2 credentials it holds."""

    def __init__(self, held: list[Any]) -> None:
        self.held = held
        self.created: list[dict[str, Any]] = []

    def credentials(self, user_id: str, type: str) -> list[Any]:
        return [c for c in self.held if c.user_id == user_id and c.type == type]

    def create_credential(self, **values: Any) -> None:
        self.created.append(values)


def identity(held: list[Any]) -> Any:
    return SimpleNamespace(
        identity=Keystone(held), current_user_id="u-1", current_project_id="p-state"
    )


def ec2(user: str, project: str, access: str) -> Any:
    blob = json.dumps({"access": access, "secret": f"{access}-secret"})
    return SimpleNamespace(user_id=user, project_id=project, type="ec2", blob=blob)


def test_the_users_s3_keys_for_the_state_project_are_reused_not_another_projects() -> None:
    conn = identity([ec2("u-1", "p-other", "other"), ec2("u-1", "p-state", "mine")])
    assert object_store_of(conn).s3_credentials() == ("mine", "mine-secret")
    assert conn.identity.created == []


def test_s3_keys_are_made_for_the_user_and_project_the_first_time() -> None:
    conn = identity([ec2("u-2", "p-state", "someone-else")])
    access, secret = object_store_of(conn).s3_credentials()
    [made] = conn.identity.created
    assert (made["user_id"], made["project_id"], made["type"]) == ("u-1", "p-state", "ec2")
    assert json.loads(made["blob"]) == {"access": access, "secret": secret}
    assert len(access) == 32 and len(secret) == 40 and access != "someone-else"
