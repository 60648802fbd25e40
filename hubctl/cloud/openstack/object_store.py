"""A project's object store (Swift) through openstacksdk, as hubctl.cloud.api.ObjectStore."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openstack import exceptions as sdk

from hubctl.cloud.api import StoredObject
from hubctl.cloud.openstack.credentials import service_endpoint


@dataclass(frozen=True)
class OpenStackObjectStore:
    conn: Any

    def read(self, container: str, name: str) -> bytes | None:
        try:
            return bytes(self.conn.object_store.download_object(name, container=container))
        except sdk.NotFoundException:
            return None

    def listing(self, container: str, prefix: str = "") -> list[StoredObject] | None:
        query = {"prefix": prefix} if prefix else {}
        try:
            return [
                StoredObject(
                    name=str(o.name),
                    etag=str(o.etag or ""),
                    size=int(o.content_length or 0),
                    modified=str(o.last_modified_at),
                )
                for o in self.conn.object_store.objects(container, **query)
            ]
        except sdk.NotFoundException:
            return None

    def container_metadata(self, container: str) -> dict[str, str] | None:
        try:
            meta = self.conn.object_store.get_container_metadata(container).metadata or {}
        except sdk.NotFoundException:
            return None
        return {str(k).lower(): str(v) for k, v in meta.items()}

    def write(self, container: str, name: str, data: bytes) -> None:
        self.conn.object_store.upload_object(container=container, name=name, data=data)

    def set_metadata(self, container: str, values: Mapping[str, str]) -> None:
        self.conn.object_store.set_container_metadata(container, **values)

    def endpoint(self) -> str:
        return service_endpoint(self.conn, "object-store")
