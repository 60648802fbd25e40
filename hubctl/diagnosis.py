"""Why the cloud refused: what OpenStack itself tells a project about its resources in error.

When a volume ends in `error` the OpenStack provider only says "check with your cloud admin or
the Block Storage API logs"; a server in `ERROR` says less. Yet the project may read the reason:
Cinder keeps user messages (API 3.3) about its volumes and Nova keeps a fault on each server.
After a failed `hubctl up`, the platform engineer gets those reasons instead of a ticket to the
cloud's operators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Cinder's user messages appeared with this microversion of the Block Storage API.
MESSAGES_MICROVERSION = "3.3"


@dataclass(frozen=True)
class CloudReason:
    """One resource of the site in error, and what the cloud says about it."""

    kind: str
    name: str
    id: str
    reason: str

    def line(self) -> str:
        return f"{self.kind} {self.name} ({self.id}): {self.reason}"


def _volume_reason(conn: Any, volume_id: str) -> str:
    response = conn.block_storage.get(
        f"/messages?resource_uuid={volume_id}", microversion=MESSAGES_MICROVERSION
    )
    messages = response.json().get("messages", []) if response.ok else []
    texts = [m["user_message"] for m in messages if m.get("user_message")]
    return "; ".join(dict.fromkeys(texts)) or "in error, and Cinder kept no message about it"


def cloud_reasons(conn: Any, name_prefix: str) -> list[CloudReason]:
    """Volumes and servers named `name_prefix...` that are in error, with the cloud's reasons."""
    reasons = [
        CloudReason("volume", volume.name, volume.id, _volume_reason(conn, volume.id))
        for volume in conn.block_storage.volumes(details=True)
        if (volume.name or "").startswith(name_prefix) and str(volume.status).startswith("error")
    ]
    for server in conn.compute.servers(details=True):
        if (server.name or "").startswith(name_prefix) and server.status == "ERROR":
            # The fault is part of a server's own page, not always of the list.
            fault = conn.compute.get_server(server.id).fault or {}
            reason = fault.get("message") or "in ERROR, and Nova kept no fault"
            reasons.append(CloudReason("server", server.name, server.id, reason))
    return reasons


def site_reasons(site: str, region: str, cloud: str | None) -> list[str]:
    """What the cloud says about the site's resources in error, as lines for a person; one line
    saying why not when the cloud cannot be asked (credentials as for the provider: clouds.yaml
    entry `cloud`, else OS_* variables)."""
    import openstack

    try:
        conn = openstack.connect(cloud=cloud, region_name=region)
        return [reason.line() for reason in cloud_reasons(conn, f"hub-{site}-")]
    except Exception as error:  # diagnosis must never hide the failure it explains
        return [f"could not ask the cloud why: {type(error).__name__}: {error}"]
