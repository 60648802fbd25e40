"""The drill's cloud helpers: the site's project and emptying a container (hubctl.cloud),
whether two regions share their endpoints, and how far apart the DR site is from its primary.

Nothing here prints or records a secret.
"""

from __future__ import annotations

from hubctl.cloud import SiteCloud, empty_container, region_endpoint, site_cloud
from hubctl.deploy import LayerRun

__all__ = [
    "SiteCloud",
    "empty_container",
    "output_containers",
    "separation",
    "shared_endpoints",
    "site_cloud",
]


def output_containers(storage: LayerRun | None) -> dict[str, str]:
    """The storage stack's `containers` output: purpose → container name."""
    value = storage.outputs.get("containers") if storage is not None else None
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def shared_endpoints(cloud: SiteCloud, other_region: str) -> bool | None:
    """Whether two regions of the catalogue point at the same network endpoint."""
    try:
        conn = cloud.connect()
        mine = region_endpoint(conn, "network", cloud.region)
        theirs = region_endpoint(conn, "network", other_region)
    except Exception:  # the catalogue is advisory here; the report says "unknown"
        return None
    return bool(mine) and mine == theirs


def separation(source: SiteCloud, target: SiteCloud) -> str:
    shared = shared_endpoints(target, source.region)
    regions = (
        f"{target.region} and {source.region} share the same service endpoints (a nominal "
        "second region)"
        if shared
        else f"{target.region} and {source.region} have their own service endpoints"
    )
    if source.project != target.project:
        return (
            f"DR site in project {target.project}, primary in project {source.project}; "
            f"{regions}"
            + (
                ", so the second project is what keeps the drill apart from the primary"
                if shared
                else ""
            )
        )
    return f"same project {target.project}; {regions}"
