"""A project's Barbican through openstacksdk, as hubctl.cloud.api.KeyManager: raw requests
where the status is what the record keeps (a deletion, a check that a key is gone) or where the
SDK has no call (a secret's payload as bytes, the orders' listing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubctl.cloud.api import HttpStatusError, StoredSecret, reference_id
from hubctl.cloud.openstack.credentials import endpoint_filter

ORDERS_PAGE = 100


def _stored(secret: Any) -> StoredSecret:
    return StoredSecret(
        id=reference_id(secret.secret_ref or secret.id),
        ref=str(secret.secret_ref or ""),
        name=str(secret.name or ""),
        status=str(secret.status or ""),
        created=str(secret.created_at or ""),
    )


@dataclass(frozen=True)
class OpenStackKeyManager:
    conn: Any

    def _send(self, method: str, path: str, **extra: Any) -> Any:
        """One raw request to the region's Barbican; its answer, whatever the status."""
        return getattr(self.conn.session, method)(
            path,
            endpoint_filter=endpoint_filter(self.conn, "key-manager"),
            raise_exc=False,
            **extra,
        )

    def _status(self, method: str, path: str) -> int:
        return int(self._send(method, path).status_code)

    def payload(self, secret_id: str) -> bytes:
        response = self._send(
            "get",
            f"/v1/secrets/{secret_id}/payload",
            headers={"Accept": "application/octet-stream"},
        )
        if response.status_code != 200:
            raise HttpStatusError(
                f"secret {secret_id}: no payload (HTTP {response.status_code})",
                int(response.status_code),
            )
        return bytes(response.content)

    def secret(self, secret_id: str) -> StoredSecret:
        return _stored(self.conn.key_manager.get_secret(secret_id))

    def secrets(self, name: str | None = None) -> list[StoredSecret]:
        query = {"name": name} if name is not None else {}
        return [_stored(s) for s in self.conn.key_manager.secrets(**query)]

    def generating_orders(self, secret_ids: set[str]) -> list[str]:
        found: list[str] = []
        offset = 0
        while True:
            page = self._send("get", "/v1/orders", params={"limit": ORDERS_PAGE, "offset": offset})
            if page.status_code != 200:
                return found
            orders = page.json().get("orders") or []
            for order in orders:
                if reference_id(order.get("secret_ref")) in secret_ids:
                    found.append(reference_id(order["order_ref"]))
            if len(orders) < ORDERS_PAGE:
                return found
            offset += ORDERS_PAGE

    def delete_secret(self, secret_id: str) -> int:
        return self._status("delete", f"/v1/secrets/{secret_id}")

    def delete_order(self, order_id: str) -> int:
        return self._status("delete", f"/v1/orders/{order_id}")

    def secret_status(self, secret_id: str) -> int:
        return self._status("get", f"/v1/secrets/{secret_id}")

    def order_status(self, order_id: str) -> int:
        return self._status("get", f"/v1/orders/{order_id}")
