"""The airlock's containers through Swift's API, with the caller's own token: what the token
may not do, Swift refuses (403), and that refusal is the rule, not hubctl's check of it.

Objects: the ledger holds `<request id>.json`; the outbox and the release area hold
`<request id>/<file name>`; each officer's decision container holds `<request id>.json`.
Uploads are conditional (`If-None-Match: *`: a name is never silently replaced) and carry
their MD5 as `ETag`, which Swift verifies (422 on a mismatch).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from hubctl.airlock.model import Actor, Decision, Request
from hubctl.cloud import AccountStore, StoreAnswer, account_store_of
from hubctl.cloud.api import Connection
from infra.layers.workspace import AirlockNames


class StoreError(RuntimeError):
    """Swift refused or failed an operation; `status` is its HTTP status."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class UnknownRequest(LookupError):
    pass


def actor_of(conn: Connection) -> Actor:
    """Who the connection's token is: the identity service's answer, not a name the caller
    typed."""
    holder = account_store_of(conn).holder()
    return Actor(
        user_id=holder.user_id,
        user=holder.user,
        project_id=holder.project_id,
        roles=list(holder.roles),
    )


@dataclass
class Store:
    conn: Connection
    names: AirlockNames

    # -- plumbing: the object store as the token reaches it (hubctl.cloud.AccountStore) ------

    @property
    def _objects(self) -> AccountStore:
        return account_store_of(self.conn)

    def _fail(self, what: str, answer: StoreAnswer) -> StoreError:
        return StoreError(f"{what}: Swift answered HTTP {answer.status}", answer.status)

    def put(
        self,
        container: str,
        obj: str,
        data: bytes,
        *,
        account: str | None = None,
        replace: bool = True,
        content_type: str = "application/octet-stream",
    ) -> None:
        answer = self._objects.put(
            container,
            obj,
            data,
            account=account,
            only_if_absent=not replace,
            content_type=content_type,
        )
        if answer.status not in (200, 201):
            raise self._fail(f"PUT {container}/{obj}", answer)

    def get(self, container: str, obj: str, *, account: str | None = None) -> bytes | None:
        answer = self._objects.get(container, obj, account=account)
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise self._fail(f"GET {container}/{obj}", answer)
        return answer.body

    def delete(self, container: str, obj: str, *, account: str | None = None) -> None:
        answer = self._objects.delete(container, obj, account=account)
        if answer.status not in (204, 404):
            raise self._fail(f"DELETE {container}/{obj}", answer)

    def listing(self, container: str, prefix: str = "", *, account: str | None = None) -> list[str]:
        names: list[str] = []
        while True:
            after = names[-1] if names else ""
            answer, page = self._objects.names_after(container, prefix, after, account=account)
            if answer.status == 404:
                return names
            if answer.status not in (200, 204):
                raise self._fail(f"GET {container} (listing)", answer)
            if not page:
                return names
            names.extend(page)

    # -- the ledger ---------------------------------------------------------------------------

    def save(self, request: Request) -> None:
        self.put(
            self.names.ledger,
            f"{request.id}.json",
            request.as_json().encode("utf-8"),
            content_type="application/json",
        )

    def load(self, request_id: str) -> Request:
        data = self.get(self.names.ledger, f"{request_id}.json")
        if data is None:
            raise UnknownRequest(request_id)
        try:
            return Request.model_validate_json(data)
        except ValidationError as error:
            raise StoreError(
                f"{self.names.ledger}/{request_id}.json is not a request record: "
                f"{str(error).splitlines()[0]}"
            ) from None

    def requests(self) -> Iterator[Request | StoreError]:
        for name in self.listing(self.names.ledger):
            if not name.endswith(".json"):
                continue
            try:
                yield self.load(name.removesuffix(".json"))
            except (StoreError, UnknownRequest) as error:
                yield StoreError(f"{self.names.ledger}/{name}: {error}")

    # -- the outbox ---------------------------------------------------------------------------

    def upload(self, obj: str, path: Path) -> None:
        self.put(self.names.outbox, obj, path.read_bytes(), replace=False)

    def outbox_bytes(self, obj: str) -> bytes | None:
        return self.get(self.names.outbox, obj)

    def purge(self, request: Request) -> list[str]:
        """Delete the request's files from the outbox: those it pinned and, where the token may
        list the outbox (officers, the operator; members may not), any other under its id."""
        doomed = {entry.object for entry in request.files if entry.object}
        try:
            doomed.update(self.listing(self.names.outbox, prefix=f"{request.id}/"))
        except StoreError as error:
            if error.status != 403:
                raise
        for obj in sorted(doomed):
            self.delete(self.names.outbox, obj)
        return sorted(doomed)

    # -- decisions ------------------------------------------------------------------------------

    def decide(self, officer: str, decision: Decision) -> None:
        container = self.names.decisions[officer]
        self.put(
            container,
            f"{decision.request}.json",
            decision.model_dump_json(indent=2).encode("utf-8"),
            content_type="application/json",
        )

    def decisions(self, request_id: str) -> dict[str, Decision | StoreError]:
        """Each officer's decision on the request, read from that officer's own container."""
        found: dict[str, Decision | StoreError] = {}
        for officer, container in self.names.decisions.items():
            try:
                data = self.get(container, f"{request_id}.json")
            except StoreError as error:
                found[officer] = error
                continue
            if data is None:
                continue
            try:
                found[officer] = Decision.model_validate_json(data)
            except ValidationError as error:
                found[officer] = StoreError(f"{container}: not a decision: {error}")
        return found
