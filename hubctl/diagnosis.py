"""Why the cloud refused: what OpenStack itself tells a project about its resources in error.

When a volume ends in `error` the OpenStack provider only says "check with your cloud admin or
the Block Storage API logs"; a server in `ERROR` says less. Yet the project may read the reason:
Cinder keeps user messages (API 3.3) about its volumes and Nova keeps a fault on each server.
After a failed `hubctl up`, the platform engineer gets those reasons instead of a ticket to the
cloud's operators.
"""

from __future__ import annotations

from hubctl.cloud import named_project


def site_reasons(site: str, region: str, cloud: str | None) -> list[str]:
    """What the cloud says about the site's resources in error, as lines for a person; one line
    saying why not when the cloud cannot be asked (credentials as for the provider: clouds.yaml
    entry `cloud`, else OS_* variables)."""
    try:
        project = named_project(cloud, region)
        return [reason.line() for reason in project.reasons_in_error(f"hub-{site}-")]
    except Exception as error:  # diagnosis must never hide the failure it explains
        return [f"could not ask the cloud why: {type(error).__name__}: {error}"]
