"""The checks a close makes that a workspace's data, airlock and identities are gone, against a
stand-in cloud that answers every request with one chosen answer.

Only a 404 (and, for Keystone's listings, an empty list) says a thing is gone. Every other
answer says nothing of it: 200 (still there), 401 and 403 (the check could not look), 500 (the
service failed), a timeout or a refused connection (no answer). Each of those must fail its
check and leave in the record what was observed, so that the evidence never says "gone" for
what nobody saw gone.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from keystoneauth1 import exceptions as ks_exceptions

from hubctl.cloud import Remnants, remnants_of
from hubctl.workspaces import closing_record
from hubctl.workspaces.close_checks import (
    check_airlock_gone,
    check_data_gone,
    check_identity_gone,
)
from hubctl.workspaces.holdings import Holdings

KEY_REF = "http://127.0.0.1:9311/v1/secrets/0c6d2a53-5f4e-4f7b-9d8e-111111111111"
HOLDINGS = Holdings(
    complete=True,
    tenancy="create",
    project_name="hub-local-ws-p1",
    key_refs=[KEY_REF],
    containers=["hub-local-ws-p1-data"],
    instance_ids=["server-1"],
    volume_ids=["volume-1"],
    network_ids=["network-1"],
    users={"alice": "hub-local-ws-p1-alice"},
)
# One check per container, host, volume, network, the project's host listing, and two per key.
DATA_CHECKS = 1 + 1 + 1 + 1 + 1 + 2
EXPORTS = SimpleNamespace(
    airlock_container="hub-local-ws-p1-airlock",
    decision_containers={"release": "hub-local-ws-p1-decisions"},
    release_container="hub-local-releases",
)


class Answer:
    """What the stand-in answers to every request: an HTTP status, or an exception raised."""

    def __init__(self, status: int | None = None, error: Exception | None = None) -> None:
        self.status, self.error = status, error
        self.asked: list[tuple[str, str]] = []

    def _respond(self, method: str, path: str, **_: Any) -> Any:
        self.asked.append((method, path))
        if self.error is not None:
            raise self.error
        body: dict[str, list[Any]] = {"projects": [], "users": []} if self.status == 200 else {}
        return SimpleNamespace(status_code=self.status, json=lambda: body)

    def connection(self, *, servers: list[Any] | None = None) -> Remnants:
        """The stand-in SDK connection, read through OpenStack's Remnants as a close does."""
        return remnants_of(self.sdk(servers=servers))

    def sdk(self, *, servers: list[Any] | None = None) -> Any:
        def listing() -> list[Any]:
            if self.error is not None:
                raise self.error
            return list(servers or [])

        return SimpleNamespace(
            session=SimpleNamespace(
                get=lambda path, **kw: self._respond("GET", path, **kw),
                head=lambda path, **kw: self._respond("HEAD", path, **kw),
            ),
            compute=SimpleNamespace(servers=listing),
        )


def _record() -> closing_record.Record:
    return closing_record.Record(site="local", workspace="p1", stack="local-ws-p1")


NOT_GONE = [
    pytest.param(Answer(200), "HTTP 200", id="200 still there"),
    pytest.param(Answer(401), "HTTP 401", id="401"),
    pytest.param(Answer(403), "HTTP 403", id="403"),
    pytest.param(Answer(500), "HTTP 500", id="500"),
    pytest.param(
        Answer(error=ks_exceptions.ConnectTimeout("timed out")),
        "no answer: ConnectTimeout",
        id="timeout",
    ),
    pytest.param(
        Answer(error=ks_exceptions.ConnectFailure("refused")),
        "no answer: ConnectFailure",
        id="refused",
    ),
]


def test_every_data_check_passes_when_everything_answers_404() -> None:
    record = _record()
    check_data_gone(record, Answer(404).connection(), HOLDINGS)
    assert [c.result for c in record.checks] == ["pass"] * DATA_CHECKS
    assert {c.observed for c in record.checks} == {"HTTP 404", "0"}


@pytest.mark.parametrize(("answer", "observed"), NOT_GONE)
def test_a_data_check_fails_and_says_what_came_instead_of_a_404(
    answer: Answer, observed: str
) -> None:
    record = _record()
    check_data_gone(record, answer.connection(), HOLDINGS)
    per_object = [c for c in record.checks if c.check != "the project lists no host"]
    assert len(per_object) == DATA_CHECKS - 1
    assert [c.result for c in per_object] == ["fail"] * len(per_object)
    assert all(c.observed.startswith(observed) for c in per_object), per_object


def test_a_project_listing_that_is_refused_fails_its_check_and_says_why() -> None:
    record = _record()
    answer = Answer(error=ks_exceptions.Unauthorized("token expired"))
    check_data_gone(record, answer.connection(), Holdings(complete=True, tenancy="create"))
    (listing,) = record.checks
    assert listing.result == "fail"
    assert listing.observed.startswith("no answer: Unauthorized")


def test_a_project_that_still_lists_a_host_fails_its_check() -> None:
    record = _record()
    conn = Answer(404).connection(servers=[SimpleNamespace(id="server-2")])
    check_data_gone(record, conn, Holdings(complete=True, tenancy="create"))
    (listing,) = record.checks
    assert (listing.result, listing.observed) == ("fail", "1")


def test_a_project_that_still_lists_many_hosts_says_how_many_not_an_http_status() -> None:
    record = _record()
    servers = [SimpleNamespace(id=f"server-{n}") for n in range(150)]
    conn = Answer(404).connection(servers=servers)
    check_data_gone(record, conn, Holdings(complete=True, tenancy="create"))
    (listing,) = record.checks
    assert (listing.result, listing.observed) == ("fail", "150")


@pytest.mark.parametrize(("answer", "observed"), NOT_GONE)
def test_an_airlock_check_fails_and_says_what_came_instead_of_a_404(
    answer: Answer, observed: str
) -> None:
    record = _record()
    conn = answer.connection()
    check_airlock_gone(record, conn, conn, EXPORTS)  # type: ignore[arg-type]
    assert len(record.checks) == 3
    assert [c.result for c in record.checks] == ["fail"] * 3
    assert all(c.observed.startswith(observed) for c in record.checks)


def test_the_airlock_checks_pass_on_404() -> None:
    record = _record()
    conn = Answer(404).connection()
    check_airlock_gone(record, conn, conn, EXPORTS)  # type: ignore[arg-type]
    assert [c.result for c in record.checks] == ["pass"] * 3


def test_the_identity_checks_pass_when_keystone_lists_none() -> None:
    record = _record()
    check_identity_gone(record, Answer(200).connection(), HOLDINGS)
    assert [(c.result, c.observed) for c in record.checks] == [("pass", "0 listed")] * 2


@pytest.mark.parametrize(
    ("answer", "observed"),
    [p for p in NOT_GONE if p.id != "200 still there"],
)
def test_an_identity_check_fails_when_keystone_does_not_list(answer: Answer, observed: str) -> None:
    record = _record()
    check_identity_gone(record, answer.connection(), HOLDINGS)
    assert [c.result for c in record.checks] == ["fail", "fail"]
    assert all(c.observed.startswith(observed) for c in record.checks)


def test_an_identity_still_listed_fails_its_check() -> None:
    record = _record()
    conn = Answer(200).sdk()
    conn.session.get = lambda path, **kw: SimpleNamespace(
        status_code=200, json=lambda: {"projects": [{"id": "x"}], "users": [{"id": "y"}]}
    )
    check_identity_gone(record, remnants_of(conn), HOLDINGS)
    assert [(c.result, c.observed) for c in record.checks] == [("fail", "1 listed")] * 2


def test_a_close_whose_checks_failed_is_not_recorded_as_closed() -> None:
    record = _record()
    check_data_gone(record, Answer(403).connection(), HOLDINGS)
    assert not record.ok
    assert record.as_json()["result"] == "checks failed"
