"""The request record: one per request, kept in the workspace's ledger container.

States follow Azure TRE's airlock (draft, submitted, in review, approved, rejected, blocked,
cancelled), with `checked` between submission and review, and two ends of our own: `released`
(the approved bytes are in the release area) and `voided` (a file changed after submission).
Every transition says who made it (the Keystone user of the token that wrote it), when and
why. The record is written by members and officers alike, so it is a journal, not a proof:
approvals count only from the officers' own decision containers (hubctl.airlock.actions).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

REQUEST_ID = r"^r-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$"
SHA256 = r"^[0-9a-f]{64}$"
APPROVALS_NEEDED = 2


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHECKED = "checked"
    IN_REVIEW = "in review"
    APPROVED = "approved"
    REJECTED = "rejected"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
    RELEASED = "released"
    VOIDED = "voided"


# Where each state may go. In review stays in review on a first approval (1 of 2), approved
# stays approved on a third; a check run again at review or release can still block.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.DRAFT: frozenset({State.SUBMITTED, State.CANCELLED}),
    State.SUBMITTED: frozenset({State.CHECKED, State.CANCELLED}),
    State.CHECKED: frozenset({State.IN_REVIEW, State.BLOCKED}),
    State.IN_REVIEW: frozenset(
        {
            State.IN_REVIEW, State.APPROVED, State.REJECTED, State.CANCELLED, State.VOIDED,
            State.BLOCKED,
        }
    ),
    State.APPROVED: frozenset(
        {
            State.APPROVED, State.RELEASED, State.REJECTED, State.CANCELLED, State.VOIDED,
            State.BLOCKED,
        }
    ),
    State.REJECTED: frozenset(),
    State.BLOCKED: frozenset(),
    State.CANCELLED: frozenset(),
    State.RELEASED: frozenset(),
    State.VOIDED: frozenset(),
}  # fmt: skip
FINAL = frozenset(s for s, nexts in TRANSITIONS.items() if not nexts)
# Requests whose files still wait in the outbox for a decision or a release.
PENDING = frozenset({State.DRAFT, State.SUBMITTED, State.CHECKED, State.IN_REVIEW, State.APPROVED})


class TransitionError(ValueError):
    """A move the state machine does not allow (e.g. approving a blocked request)."""


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_request_id() -> str:
    return f"r-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


class Actor(BaseModel):
    """Who did something: the Keystone user of the token (never a password)."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    user: str
    project_id: str = ""
    roles: list[str] = Field(default_factory=list)


class Transition(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: State | None = Field(alias="from")
    target: State = Field(alias="to")
    by: Actor
    at: str
    reason: str


class Severity(StrEnum):
    BLOCKING = "blocking"  # stops the request
    REVIEW = "review"  # shown to the reviewers


class Finding(BaseModel):
    """One thing a check found: in which file, where in it, and what."""

    model_config = ConfigDict(frozen=True)

    check: str
    file: str
    location: str
    severity: Severity
    message: str

    def line(self) -> str:
        where = f"{self.file}: {self.location}" if self.location else self.file
        return f"[{self.severity.value}] {self.check}: {where}: {self.message}"


class FileEntry(BaseModel):
    """A submitted file, pinned by its SHA-256 at submission."""

    model_config = ConfigDict(frozen=True)

    name: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256)
    mime: str
    object: str  # its name in the outbox (then in the release area): <request id>/<name>


class Release(BaseModel):
    container: str
    project_id: str
    objects: list[str]
    by: Actor
    at: str
    approvers: list[Actor]


class Request(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(pattern=REQUEST_ID)
    site: str
    workspace: str
    state: State = State.DRAFT
    reason: str = Field(min_length=1, max_length=2000)
    submitter: Actor
    files: list[FileEntry] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    transitions: list[Transition] = Field(default_factory=list)
    release: Release | None = None

    def move(self, target: State, by: Actor, reason: str) -> Transition:
        """Record a transition; TransitionError if the state machine forbids it."""
        if target not in TRANSITIONS[self.state]:
            allowed = ", ".join(sorted(s.value for s in TRANSITIONS[self.state])) or "none"
            raise TransitionError(
                f"request {self.id} is {self.state.value}: it cannot become {target.value} "
                f"(from {self.state.value}: {allowed})"
            )
        step = Transition.model_validate(
            {"from": self.state, "to": target, "by": by, "at": now(), "reason": reason}
        )
        self.transitions.append(step)
        self.state = target
        return step

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.BLOCKING]

    @property
    def hashes(self) -> dict[str, str]:
        return {f.name: f.sha256 for f in self.files}

    def findings_digest(self) -> str:
        return digest([f.model_dump(mode="json") for f in self.findings])

    def as_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


def digest(data: object) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Decision(BaseModel):
    """One officer's decision on one request, in that officer's own container.

    It binds the exact files (names and hashes) and the findings the officer saw: an approval
    of other bytes, or of a request whose findings changed, approves nothing.
    """

    request: str = Field(pattern=REQUEST_ID)
    decision: Literal["approve", "reject"]
    officer: Actor
    at: str
    reason: str = Field(min_length=1, max_length=2000)
    files: dict[str, str]
    findings_digest: str = Field(pattern=SHA256)

    def binds(self, request: Request) -> bool:
        return self.files == request.hashes and self.findings_digest == request.findings_digest()
