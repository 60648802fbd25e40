"""What OpenStack tells a project about its resources in error (hubctl.diagnosis says why it
matters): Cinder's user messages about a volume (Block Storage API 3.3) and Nova's fault on a
server."""

from __future__ import annotations

from typing import Any

from hubctl.cloud.api import CloudReason

# Cinder's user messages appeared with this microversion of the Block Storage API.
MESSAGES_MICROVERSION = "3.3"


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
