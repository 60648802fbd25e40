"""A small OpenStack REST client for bootstrapping and seeding the local cloud.

One process, one token, plain HTTP on loopback: registering the catalog this way takes a second,
where one `openstack` CLI call per object takes about half a minute in all.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from localcloud.layout import KEYSTONE_URL, REGION

JSON = dict[str, Any]


class ApiError(RuntimeError):
    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} -> {status}: {body[:500]}")
        self.status = status


class Session:
    """A project-scoped token and the catalog that came with it."""

    def __init__(self, username: str, password: str, project: str, region: str = REGION) -> None:
        self.region = region
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": username,
                            "domain": {"id": "default"},
                            "password": password,
                        }
                    },
                },
                "scope": {"project": {"name": project, "domain": {"id": "default"}}},
            }
        }
        status, headers, data = self._raw("POST", f"{KEYSTONE_URL}/auth/tokens", body, {})
        if status != 201:
            raise ApiError("POST", f"{KEYSTONE_URL}/auth/tokens", status, json.dumps(data))
        self.token = headers["X-Subject-Token"]
        token = data["token"]
        self.project_id: str = token["project"]["id"]
        self.catalog: list[JSON] = token.get("catalog", [])

    def endpoint(self, service_type: str) -> str:
        for service in self.catalog:
            if service["type"] != service_type:
                continue
            for endpoint in service["endpoints"]:
                if endpoint["interface"] == "public" and endpoint["region_id"] == self.region:
                    return str(endpoint["url"]).rstrip("/")
        raise KeyError(f"no public {service_type} endpoint in region {self.region}")

    @staticmethod
    def _raw(
        method: str,
        url: str,
        body: JSON | bytes | None,
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], Any]:
        data: bytes | None
        if isinstance(body, bytes):
            data = body
        elif body is not None:
            data = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **headers}
        else:
            data = None
        headers = {"Accept": "application/json", "Connection": "close", **headers}
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as resp:
                raw = resp.read()
                status = int(resp.status)
                resp_headers = dict(resp.headers.items())
        except urllib.error.HTTPError as err:
            raw = err.read()
            status = err.code
            resp_headers = dict(err.headers.items())
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return status, resp_headers, parsed

    def call(
        self,
        method: str,
        url: str,
        body: JSON | bytes | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 202, 204),
        retries: int = 0,
    ) -> Any:
        """One API call; `retries` re-sends on 5xx and connection errors (services warming up)."""
        all_headers = {"X-Auth-Token": self.token, **(headers or {})}
        for attempt in range(retries + 1):
            try:
                status, _, data = self._raw(method, url, body, all_headers)
            except OSError:
                if attempt == retries:
                    raise
                time.sleep(1)
                continue
            if status in ok:
                return data
            if status >= 500 and attempt < retries:
                time.sleep(1)
                continue
            raise ApiError(method, url, status, json.dumps(data) if data is not None else "")
        raise AssertionError("unreachable")

    def get(self, url: str, **kw: Any) -> Any:
        return self.call("GET", url, **kw)

    def post(self, url: str, body: JSON | bytes | None = None, **kw: Any) -> Any:
        return self.call("POST", url, body, **kw)

    def put(self, url: str, body: JSON | bytes | None = None, **kw: Any) -> Any:
        return self.call("PUT", url, body, **kw)
