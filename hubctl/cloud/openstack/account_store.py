"""Swift's API through openstacksdk's session with the caller's own token, as
hubctl.cloud.api.AccountStore: raw requests to the token's own account (`.../v1/AUTH_<project
id>`) or to another project's, so that what the token may not do is Swift's refusal.

Uploads carry their MD5 as `ETag`, which Swift verifies (422 on a mismatch)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hubctl.cloud.api import StoreAnswer, TokenHolder


@dataclass(frozen=True)
class OpenStackAccountStore:
    conn: Any

    def holder(self) -> TokenHolder:
        access = self.conn.session.auth.get_access(self.conn.session)
        return TokenHolder(
            user_id=str(access.user_id),
            user=str(access.username),
            project_id=str(access.project_id or ""),
            roles=tuple(sorted(str(r) for r in (access.role_names or []))),
        )

    def url(self, container: str, name: str = "", account: str | None = None) -> str:
        base = str(self.conn.object_store.get_endpoint()).rstrip("/")
        if account is not None:
            base = base.rsplit("/AUTH_", 1)[0] + f"/AUTH_{account}"
        path = f"{base}/{quote(container, safe='')}"
        return f"{path}/{quote(name, safe='/')}" if name else path

    def _request(self, method: str, url: str, **extra: Any) -> Any:
        return self.conn.session.request(url, method, raise_exc=False, **extra)

    def put(
        self,
        container: str,
        name: str,
        data: bytes,
        *,
        account: str | None = None,
        only_if_absent: bool = False,
        content_type: str = "application/octet-stream",
    ) -> StoreAnswer:
        # MD5 is what Swift checks an upload against (its ETag), not a security measure.
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        headers = {"Content-Type": content_type, "ETag": etag}
        if only_if_absent:
            headers["If-None-Match"] = "*"
        url = self.url(container, name, account)
        return StoreAnswer(int(self._request("PUT", url, data=data, headers=headers).status_code))

    def get(self, container: str, name: str, *, account: str | None = None) -> StoreAnswer:
        response = self._request("GET", self.url(container, name, account))
        return StoreAnswer(int(response.status_code), bytes(response.content or b""))

    def delete(self, container: str, name: str, *, account: str | None = None) -> StoreAnswer:
        response = self._request("DELETE", self.url(container, name, account))
        return StoreAnswer(int(response.status_code))

    def names_after(
        self, container: str, prefix: str, after: str, *, account: str | None = None
    ) -> tuple[StoreAnswer, list[str]]:
        response = self._request(
            "GET",
            self.url(container, account=account),
            params={"format": "json", "prefix": prefix, "marker": after},
        )
        answer = StoreAnswer(int(response.status_code))
        if answer.status not in (200, 204) or not response.content:
            return answer, []
        return answer, [str(entry["name"]) for entry in response.json()]
