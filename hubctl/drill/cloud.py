"""The drill's cloud helpers: the site's project (hubctl.cloud), emptying a DR container before
its destroy, and whether two regions share their endpoints.

Nothing here prints or records a secret.
"""

from __future__ import annotations

from typing import Any

from hubctl.cloud import SiteCloud, site_cloud
from hubctl.deploy import LayerRun

__all__ = ["SiteCloud", "empty_container", "output_containers", "shared_endpoints", "site_cloud"]


def output_containers(storage: LayerRun | None) -> dict[str, str]:
    """The storage stack's `containers` output: purpose → container name."""
    value = storage.outputs.get("containers") if storage is not None else None
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def empty_container(conn: Any, container: str) -> int:
    """Delete every object version of a container of the DR site so destroy can remove it."""
    import openstack.exceptions

    deleted = 0
    try:
        listing = conn.object_store.get(f"/{container}", params={"format": "json", "versions": ""})
    except openstack.exceptions.NotFoundException:
        return 0
    if listing.status_code == 404:
        return 0
    for item in listing.json():
        params = {"version-id": item["version_id"]} if item.get("version_id") else {}
        conn.object_store.delete(f"/{container}/{item['name']}", params=params)
        deleted += 1
    return deleted


def shared_endpoints(cloud: SiteCloud, other_region: str) -> bool | None:
    """Whether two regions of the catalogue point at the same network endpoint."""
    try:
        session = cloud.connect().session
        mine = session.get_endpoint(
            service_type="network", interface="public", region_name=cloud.region
        )
        theirs = session.get_endpoint(
            service_type="network", interface="public", region_name=other_region
        )
    except Exception:  # the catalogue is advisory here; the report says "unknown"
        return None
    return bool(mine) and mine == theirs
