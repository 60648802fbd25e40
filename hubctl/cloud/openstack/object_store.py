"""A project's object store (Swift) through openstacksdk, as hubctl.cloud.api.ObjectStore."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openstack import exceptions as sdk

from hubctl.cloud.api import HttpStatusError, ObjectVersion, StoredObject
from hubctl.cloud.openstack.credentials import endpoint_filter, service_endpoint

# Swift's own metadata of an object: X-Object-Meta-<key> (header names are case-insensitive).
OBJECT_META = "X-Object-Meta-"


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

    def put_with_metadata(
        self,
        container: str,
        name: str,
        body: bytes,
        metadata: Mapping[str, str],
        *,
        only_if_absent: bool = False,
    ) -> int:
        response = self.conn.session.put(
            f"/{container}/{name}",
            endpoint_filter=endpoint_filter(self.conn, "object-store"),
            data=body,
            headers={
                "Content-Type": "application/octet-stream",
                **{f"{OBJECT_META}{k}": v for k, v in metadata.items()},
                **({"If-None-Match": "*"} if only_if_absent else {}),
            },
            raise_exc=False,
        )
        return int(response.status_code)

    def get_with_metadata(self, container: str, name: str) -> tuple[bytes, dict[str, str]]:
        response = self.conn.session.get(
            f"/{container}/{name}",
            endpoint_filter=endpoint_filter(self.conn, "object-store"),
            raise_exc=False,
        )
        if response.status_code != 200:
            raise HttpStatusError(
                f"{container}/{name}: cannot be read (HTTP {response.status_code})",
                int(response.status_code),
            )
        prefix = OBJECT_META.lower()
        metadata = {
            k.lower().removeprefix(prefix): v
            for k, v in response.headers.items()
            if k.lower().startswith(prefix)
        }
        return bytes(response.content), metadata

    def versions(self, container: str, prefix: str = "") -> list[ObjectVersion]:
        response = self.conn.object_store.get(
            f"/{container}", params={"format": "json", "versions": "", "prefix": prefix}
        )
        if response.status_code == 404:
            return []
        return [
            ObjectVersion(str(item["name"]), str(item.get("version_id") or ""))
            for item in response.json()
        ]

    def delete_version(self, container: str, version: ObjectVersion) -> None:
        params = {"version-id": version.version_id} if version.version_id else {}
        self.conn.object_store.delete(f"/{container}/{version.name}", params=params)

    def s3_credentials(self) -> tuple[str, str]:
        # Keystone's EC2 credentials: one per user and project, its blob the key pair.
        user, project = self.conn.current_user_id, self.conn.current_project_id
        for credential in self.conn.identity.credentials(user_id=user, type="ec2"):
            if credential.project_id == project:
                blob = json.loads(credential.blob)
                return str(blob["access"]), str(blob["secret"])
        blob = {"access": secrets.token_hex(16), "secret": secrets.token_hex(20)}
        self.conn.identity.create_credential(
            user_id=user, project_id=project, type="ec2", blob=json.dumps(blob)
        )
        return blob["access"], blob["secret"]
