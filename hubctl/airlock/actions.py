"""What each party does, as the state machine on the cloud: members submit and cancel, data
officers approve and reject, the site's operator releases.

Who acts is read from the token (hubctl.airlock.store.actor_of). hubctl refuses early what
the cloud would refuse anyway, to say why; the cloud's refusal stays the rule: a member's
token cannot write a decision container, an officer's cannot write the release area.

Approvals are counted from the officers' own containers, never from the request record: one
per officer (writing again replaces it, so approving twice counts once), only if the
decision binds the request's exact files and findings, and never from a token that carried
the member role.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hubcore.workspaceroles import DATA_OFFICER_ROLE, MEMBER_ROLE
from hubctl.airlock.checks import Settings, inspect
from hubctl.airlock.checks.extract import ExtractIndex
from hubctl.airlock.model import (
    APPROVALS_NEEDED,
    PENDING,
    Actor,
    Decision,
    FileEntry,
    Release,
    Request,
    State,
    Transition,
    TransitionError,
    new_request_id,
    now,
)
from hubctl.airlock.store import Store, StoreError, UnknownRequest, actor_of

RELEASE_MANIFEST = "release.json"


class Refused(Exception):
    """The airlock's rules (or the cloud) refused the action: nothing was changed (exit 1)."""


class NotFound(ValueError):
    """No such request in this workspace (exit 2)."""


@dataclass
class Airlock:
    site: str
    workspace: str
    store: Store
    settings: Settings
    actor: Actor
    say: Callable[[str], None] = field(default=lambda _: None)

    def load(self, request_id: str) -> Request:
        try:
            request = self.store.load(request_id)
        except UnknownRequest:
            raise NotFound(
                f"request {request_id!r} does not exist in workspace {self.workspace!r} "
                f"(ledger {self.store.names.ledger}); `hubctl workspace airlock list` shows them"
            ) from None
        if request.workspace != self.workspace or request.site != self.site:
            raise Refused(
                f"{self.store.names.ledger}/{request_id}.json says it belongs to "
                f"{request.site}/{request.workspace}, not {self.site}/{self.workspace}"
            )
        return request

    # -- who --------------------------------------------------------------------------------

    def _member(self, action: str) -> None:
        if MEMBER_ROLE not in self.actor.roles:
            raise Refused(
                f"{action}: members of workspace {self.workspace} {action}; this token is user "
                f"{self.actor.user} with roles {', '.join(self.actor.roles) or 'none'}"
            )

    def _officer(self, action: str) -> str:
        officers = self.store.names.decisions
        if MEMBER_ROLE in self.actor.roles:
            raise Refused(
                f"{action}: user {self.actor.user} is a member of workspace {self.workspace}: "
                "a member never reviews a request of their own project"
            )
        if self.actor.user not in officers or DATA_OFFICER_ROLE not in self.actor.roles:
            raise Refused(
                f"{action}: user {self.actor.user} is not one of the site's data officers "
                f"(hub:dataOfficers: {', '.join(officers) or 'none'}) acting in workspace "
                f"{self.workspace}'s project"
            )
        return self.actor.user

    def _operator(self, action: str) -> None:
        if MEMBER_ROLE in self.actor.roles or self.actor.user in self.store.names.decisions:
            raise Refused(
                f"{action}: user {self.actor.user} is a member or a data officer; the site's "
                "operator releases, so that no officer and no member releases alone"
            )

    # -- submit and cancel (members) --------------------------------------------------------

    def submit(
        self, paths: list[Path], reason: str, extract: ExtractIndex | None = None
    ) -> Request:
        """Check, pin and upload; a request with a blocking finding is recorded as blocked and
        nothing is uploaded. BadInput (exit 2) when a file cannot even be judged."""
        self._member("submit")
        entries, findings = inspect(paths, self.settings, extract)
        request_id = new_request_id()
        request = Request(
            id=request_id,
            site=self.site,
            workspace=self.workspace,
            reason=reason,
            submitter=self.actor,
            files=[e.model_copy(update={"object": f"{request_id}/{e.name}"}) for e in entries],
            findings=findings,
        )
        request.transitions.append(
            Transition.model_validate(
                {"from": None, "to": State.DRAFT, "by": self.actor, "at": now(), "reason": reason}
            )
        )
        pinned = f"{len(entries)} file(s) pinned by SHA-256"
        if request.blocking:
            request.move(State.SUBMITTED, self.actor, pinned)
            request.move(State.CHECKED, self.actor, _summary(request))
            request.move(State.BLOCKED, self.actor, "blocking findings: nothing was uploaded")
            self.store.save(request)
            return request
        self.store.save(request)
        by_name = {p.name: p for p in paths}
        for entry in request.files:
            self.store.upload(entry.object, by_name[entry.name])
            self.say(f"uploaded {entry.object} ({entry.size} bytes, sha256 {entry.sha256[:16]}…)")
        request.move(State.SUBMITTED, self.actor, pinned)
        request.move(State.CHECKED, self.actor, _summary(request))
        request.move(State.IN_REVIEW, self.actor, f"{APPROVALS_NEEDED} approvals needed")
        self.store.save(request)
        return request

    def cancel(self, request_id: str, reason: str) -> Request:
        self._member("cancel")
        request = self.load(request_id)
        if request.state not in PENDING:
            raise Refused(f"request {request_id} is {request.state.value}: nothing to cancel")
        self._move(request, State.CANCELLED, reason)
        self._purge(request)
        self.store.save(request)
        return request

    # -- review (officers) --------------------------------------------------------------------

    def approve(self, request_id: str, reason: str) -> Request:
        officer = self._officer("approve")
        request = self._reviewable(request_id, officer)
        self._verify(request, extract=None)
        self._decide(officer, request, "approve", reason)
        approvers = approvals(request, self.store.decisions(request.id))
        if len(approvers) >= APPROVALS_NEEDED:
            names = " and ".join(a.user for a in approvers)
            self._move(request, State.APPROVED, f"approved by {names}: {reason}")
        else:
            target = State.IN_REVIEW if request.state is State.IN_REVIEW else State.APPROVED
            self._move(
                request,
                target,
                f"approval {len(approvers)} of {APPROVALS_NEEDED} by {officer}: {reason}",
            )
        self.store.save(request)
        return request

    def reject(self, request_id: str, reason: str) -> Request:
        officer = self._officer("reject")
        request = self._reviewable(request_id, officer)
        self._decide(officer, request, "reject", reason)
        self._move(request, State.REJECTED, f"rejected by {officer}: {reason}")
        self._purge(request)
        self.store.save(request)
        return request

    def _reviewable(self, request_id: str, officer: str) -> Request:
        request = self.load(request_id)
        if request.state not in (State.IN_REVIEW, State.APPROVED):
            raise Refused(
                f"request {request_id} is {request.state.value}: only a request in review can "
                "be approved or rejected"
            )
        mine = self.store.decisions(request.id).get(officer)
        if isinstance(mine, Decision):
            counted = len(approvals(request, self.store.decisions(request.id)))
            raise Refused(
                f"{officer} already decided ({mine.decision}) on request {request_id} at "
                f"{mine.at}: an officer's decision counts once ({counted} of "
                f"{APPROVALS_NEEDED} approvals); a second officer must review it"
            )
        return request

    def _decide(self, officer: str, request: Request, verdict: str, reason: str) -> None:
        decision = Decision.model_validate(
            {
                "request": request.id,
                "decision": verdict,
                "officer": self.actor,
                "at": now(),
                "reason": reason,
                "files": request.hashes,
                "findings_digest": request.findings_digest(),
            }
        )
        try:
            self.store.decide(officer, decision)
        except StoreError as error:
            raise Refused(f"the cloud refused {officer}'s decision: {error}") from None

    # -- release (the operator) ---------------------------------------------------------------

    def release(self, request_id: str, release_store: Store, extract: ExtractIndex) -> Request:
        """Copy exactly the approved bytes to the release area, verify them there, then empty
        the outbox. Any failure before the outbox is emptied removes what was copied."""
        self._operator("release")
        request = self.load(request_id)
        if request.state is not State.APPROVED:
            raise Refused(
                f"request {request_id} is {request.state.value}: only an approved request is "
                "released"
            )
        decisions = self.store.decisions(request.id)
        approvers = approvals(request, decisions)
        rejected = [
            o for o, d in decisions.items() if isinstance(d, Decision) and d.decision == "reject"
        ]
        if len(approvers) < APPROVALS_NEEDED or rejected:
            raise Refused(
                f"request {request_id}: the officers' containers hold {len(approvers)} valid "
                f"approval(s) of {APPROVALS_NEEDED}"
                + (f" and a rejection by {', '.join(rejected)}" if rejected else "")
                + "; the record's state is not proof of a decision"
            )
        contents = self._verify(request, extract=extract)
        copied: list[str] = []
        try:
            for entry in request.files:
                release_store.put(
                    release_store.names.release, entry.object, contents[entry.name], replace=False
                )
                copied.append(entry.object)
                back = release_store.get(release_store.names.release, entry.object)
                if back is None or _sha256(back) != entry.sha256:
                    raise Refused(
                        f"{entry.object}: the release area does not hold the approved bytes"
                    )
            record = Release(
                container=release_store.names.release,
                project_id=actor_of(release_store.conn).project_id,
                objects=list(copied),
                by=self.actor,
                at=now(),
                approvers=approvers,
            )
            manifest = f"{request.id}/{RELEASE_MANIFEST}"
            released = request.model_copy(deep=True)
            released.release = record
            release_store.put(
                release_store.names.release,
                manifest,
                released.as_json().encode("utf-8"),
                replace=False,
                content_type="application/json",
            )
            copied.append(manifest)
        except (StoreError, Refused):
            for obj in copied:
                release_store.delete(release_store.names.release, obj)
            raise
        request.release = record
        self._purge(request)
        names = " and ".join(a.user for a in approvers)
        self._move(
            request, State.RELEASED, f"{len(request.files)} file(s) released, approved by {names}"
        )
        self.store.save(request)
        return request

    # -- shared -------------------------------------------------------------------------------

    def _move(self, request: Request, target: State, reason: str) -> None:
        try:
            request.move(target, self.actor, reason)
        except TransitionError as error:
            raise Refused(str(error)) from None

    def _purge(self, request: Request) -> None:
        for obj in self.store.purge(request):
            self.say(f"purged {self.store.names.outbox}/{obj}")

    def _verify(self, request: Request, extract: ExtractIndex | None) -> dict[str, bytes]:
        """The outbox's bytes, each equal to its pinned hash, and checked again: a change voids
        the request, a blocking finding now blocks it (and the record is saved either way)."""
        contents: dict[str, bytes] = {}
        for entry in request.files:
            data = self.store.outbox_bytes(entry.object)
            if data is None or _sha256(data) != entry.sha256:
                what = "is gone" if data is None else "changed after submission"
                self._move(request, State.VOIDED, f"{entry.object} {what}")
                self._purge(request)
                self.store.save(request)
                raise Refused(
                    f"request {request.id} is void: {self.store.names.outbox}/{entry.object} "
                    f"{what} (pinned sha256 {entry.sha256}); submit the results again"
                )
            contents[entry.name] = data
        with tempfile.TemporaryDirectory(prefix="hub-airlock-") as folder:
            paths = []
            for name, data in contents.items():
                path = Path(folder) / name
                path.write_bytes(data)
                paths.append(path)
            _, findings = inspect(paths, self.settings, extract)
        again = [f for f in findings if f not in request.findings]
        if any(f.severity.value == "blocking" for f in again):
            request.findings = [*request.findings, *again]
            self._move(request, State.BLOCKED, _summary(request) + " (found again on review)")
            self._purge(request)
            self.store.save(request)
            raise Refused(
                f"request {request.id} is blocked: the checks, run again on the outbox's bytes, "
                "found " + "; ".join(f.line() for f in again if f.severity.value == "blocking")
            )
        return contents


def approvals(request: Request, decisions: dict[str, Decision | StoreError]) -> list[Actor]:
    """The distinct officers whose own container approves exactly this request's files and
    findings, from a token without the member role; in officer order."""
    found: list[Actor] = []
    for officer, decision in decisions.items():
        if not isinstance(decision, Decision) or decision.decision != "approve":
            continue
        if not decision.binds(request) or MEMBER_ROLE in decision.officer.roles:
            continue
        if decision.officer.user != officer:
            continue  # written into this officer's container under another name: not counted
        found.append(decision.officer)
    return found


def _summary(request: Request) -> str:
    blocking = len(request.blocking)
    return f"{len(request.findings)} finding(s), {blocking} blocking"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entries_by_name(request: Request) -> dict[str, FileEntry]:
    return {entry.name: entry for entry in request.files}
