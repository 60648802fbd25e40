"""What still answers of a closed workspace, through openstacksdk's session, as
hubctl.cloud.api.Remnants: raw GET and HEAD requests, so that the status is what the service
said, and a timeout or a refused connection is an observation too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubctl.cloud.api import Observed


def _no_answer(error: Exception) -> str:
    return f"no answer: {type(error).__name__}: {error}"


@dataclass(frozen=True)
class OpenStackRemnants:
    conn: Any

    def _ask(self, method: str, path: str, service: str) -> Observed:
        try:
            response = getattr(self.conn.session, method)(
                path, endpoint_filter={"service_type": service}, raise_exc=False
            )
        except Exception as error:  # a timeout or a refused connection is an observation too
            return _no_answer(error)
        return int(response.status_code)

    def container(self, name: str) -> Observed:
        return self._ask("head", f"/{name}", "object-store")

    def server(self, server_id: str) -> Observed:
        return self._ask("get", f"/servers/{server_id}", "compute")

    def servers_listed(self) -> Observed:
        try:
            return len(list(self.conn.compute.servers()))
        except Exception as error:  # refused or unanswered: the project's hosts are unknown
            return _no_answer(error)

    def volume(self, volume_id: str) -> Observed:
        return self._ask("get", f"/volumes/{volume_id}", "block-storage")

    def network(self, network_id: str) -> Observed:
        return self._ask("get", f"/v2.0/networks/{network_id}", "network")

    def secret(self, secret_id: str) -> Observed:
        return self._ask("get", f"/v1/secrets/{secret_id}", "key-manager")

    def secret_payload(self, secret_id: str) -> Observed:
        return self._ask("get", f"/v1/secrets/{secret_id}/payload", "key-manager")

    def identities_listed(self, collection: str, name: str) -> Observed:
        try:
            response = self.conn.session.get(
                f"/{collection}",
                params={"name": name},
                endpoint_filter={"service_type": "identity", "interface": "public"},
                raise_exc=False,
            )
        except Exception as error:
            return _no_answer(error)
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        return len(response.json().get(collection) or [])
