"""The airlock's containers through Swift's API, with the caller's own token: what the token
may not do, Swift refuses (403), and that refusal is the rule, not hubctl's check of it.

Objects: the ledger holds `<request id>.json`; the outbox and the release area hold
`<request id>/<file name>`; each officer's decision container holds `<request id>.json`.
Uploads are conditional (`If-None-Match: *`: a name is never silently replaced) and carry
their MD5 as `ETag`, which Swift verifies (422 on a mismatch).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from hubctl.airlock.model import Actor, Decision, Request
from infra.layers.workspace import AirlockNames

CHUNK = 1 << 20


class StoreError(RuntimeError):
    """Swift refused or failed an operation; `status` is its HTTP status."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class UnknownRequest(LookupError):
    pass


def actor_of(conn: Any) -> Actor:
    """Who the connection's token is: Keystone's answer, not a name the caller typed."""
    access = conn.session.auth.get_access(conn.session)
    return Actor(
        user_id=str(access.user_id),
        user=str(access.username),
        project_id=str(access.project_id or ""),
        roles=sorted(str(r) for r in (access.role_names or [])),
    )


@dataclass
class Store:
    conn: Any
    names: AirlockNames

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def account_url(self) -> str:
        """This token's own Swift account (`.../v1/AUTH_<project id>`)."""
        url: str = self.conn.object_store.get_endpoint()
        return url.rstrip("/")

    def url(self, container: str, obj: str = "", account: str | None = None) -> str:
        base = self.account_url
        if account is not None:
            base = base.rsplit("/AUTH_", 1)[0] + f"/AUTH_{account}"
        path = f"{base}/{quote(container, safe='')}"
        return f"{path}/{quote(obj, safe='/')}" if obj else path

    def _request(self, method: str, url: str, **extra: Any) -> Any:
        return self.conn.session.request(url, method, raise_exc=False, **extra)

    def _fail(self, what: str, response: Any) -> StoreError:
        return StoreError(
            f"{what}: Swift answered HTTP {response.status_code}", response.status_code
        )

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
        # MD5 is what Swift checks an upload against (its ETag), not a security measure.
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        headers = {"Content-Type": content_type, "ETag": etag}
        if not replace:
            headers["If-None-Match"] = "*"
        response = self._request(
            "PUT", self.url(container, obj, account), data=data, headers=headers
        )
        if response.status_code not in (200, 201):
            raise self._fail(f"PUT {container}/{obj}", response)

    def get(self, container: str, obj: str, *, account: str | None = None) -> bytes | None:
        response = self._request("GET", self.url(container, obj, account))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._fail(f"GET {container}/{obj}", response)
        content: bytes = response.content
        return content

    def delete(self, container: str, obj: str, *, account: str | None = None) -> None:
        response = self._request("DELETE", self.url(container, obj, account))
        if response.status_code not in (204, 404):
            raise self._fail(f"DELETE {container}/{obj}", response)

    def listing(self, container: str, prefix: str = "", *, account: str | None = None) -> list[str]:
        names: list[str] = []
        marker = ""
        while True:
            response = self._request(
                "GET",
                self.url(container, account=account),
                params={"format": "json", "prefix": prefix, "marker": marker},
            )
            if response.status_code == 404:
                return names
            if response.status_code not in (200, 204):
                raise self._fail(f"GET {container} (listing)", response)
            page = [str(entry["name"]) for entry in response.json()] if response.content else []
            if not page:
                return names
            names.extend(page)
            marker = page[-1]

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
