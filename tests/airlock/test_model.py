"""The request's state machine and the approval count, on records made here."""

from __future__ import annotations

import pytest

from hubctl.airlock.actions import approvals
from hubctl.airlock.model import (
    Actor,
    Decision,
    FileEntry,
    Request,
    State,
    TransitionError,
    new_request_id,
    now,
)

MEMBER = Actor(user_id="u-alice", user="alice", roles=["hub-ws-member", "observer"])
ONE = Actor(user_id="u-o1", user="officer-1", roles=["hub-data-officer"])
TWO = Actor(user_id="u-o2", user="officer-2", roles=["hub-data-officer"])


def request(state: State = State.IN_REVIEW) -> Request:
    entry = FileEntry(name="t.csv", size=3, sha256="a" * 64, mime="text/csv", object="x/t.csv")
    return Request(
        id=new_request_id(),
        site="local",
        workspace="w",
        state=state,
        reason="r",
        submitter=MEMBER,
        files=[entry],
    )


def approve(req: Request, officer: Actor, **changes: object) -> Decision:
    data = {
        "request": req.id,
        "decision": "approve",
        "officer": officer,
        "at": now(),
        "reason": "ok",
        "files": req.hashes,
        "findings_digest": req.findings_digest(),
    }
    return Decision.model_validate({**data, **changes})


def test_two_distinct_officers_approve() -> None:
    req = request()
    found = approvals(req, {"officer-1": approve(req, ONE), "officer-2": approve(req, TWO)})
    assert [a.user for a in found] == ["officer-1", "officer-2"]


def test_one_officer_counts_once_whatever_it_writes() -> None:
    req = request()
    # One container holds one decision per request: a second approval replaces the first.
    assert len(approvals(req, {"officer-1": approve(req, ONE)})) == 1


def test_a_decision_written_under_another_officers_name_is_not_counted() -> None:
    req = request()
    assert approvals(req, {"officer-1": approve(req, TWO), "officer-2": approve(req, TWO)}) == [TWO]


def test_a_decision_from_a_members_token_is_not_counted() -> None:
    req = request()
    member_officer = Actor(user_id="u-o1", user="officer-1", roles=["hub-ws-member"])
    assert approvals(req, {"officer-1": approve(req, member_officer)}) == []


def test_an_approval_of_other_bytes_is_not_counted() -> None:
    req = request()
    assert approvals(req, {"officer-1": approve(req, ONE, files={"t.csv": "b" * 64})}) == []


def test_an_approval_of_other_findings_is_not_counted() -> None:
    req = request()
    assert approvals(req, {"officer-1": approve(req, ONE, findings_digest="c" * 64)}) == []


def test_a_rejection_is_no_approval() -> None:
    req = request()
    assert approvals(req, {"officer-1": approve(req, ONE, decision="reject")}) == []


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (State.BLOCKED, State.IN_REVIEW),
        (State.REJECTED, State.APPROVED),
        (State.RELEASED, State.RELEASED),
        (State.CANCELLED, State.IN_REVIEW),
        (State.IN_REVIEW, State.RELEASED),
        (State.DRAFT, State.APPROVED),
        (State.CHECKED, State.APPROVED),
    ],
)
def test_forbidden_moves_are_refused(start: State, target: State) -> None:
    req = request(start)
    with pytest.raises(TransitionError, match=f"cannot become {target.value}"):
        req.move(target, ONE, "no")
    assert req.state is start and req.transitions == []


def test_a_move_records_who_when_and_why() -> None:
    req = request(State.IN_REVIEW)
    step = req.move(State.APPROVED, TWO, "both agree")
    assert (step.source, step.target, step.by.user, step.reason) == (
        State.IN_REVIEW, State.APPROVED, "officer-2", "both agree"
    )  # fmt: skip
    assert req.state is State.APPROVED and step.at.endswith("Z")


def test_the_record_round_trips_through_json() -> None:
    req = request()
    req.move(State.APPROVED, ONE, "x")
    assert Request.model_validate_json(req.as_json()) == req
