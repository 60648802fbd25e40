"""The drill's cloud helpers: the site's project and emptying a container (hubctl.cloud), and
whether two regions share their endpoints.

Nothing here prints or records a secret.
"""

from __future__ import annotations

from hubctl.cloud import SiteCloud, empty_container, site_cloud
from hubctl.deploy import LayerRun

__all__ = ["SiteCloud", "empty_container", "output_containers", "shared_endpoints", "site_cloud"]


def output_containers(storage: LayerRun | None) -> dict[str, str]:
    """The storage stack's `containers` output: purpose → container name."""
    value = storage.outputs.get("containers") if storage is not None else None
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


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
