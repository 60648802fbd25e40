"""The cloud a site runs on, as hubctl reaches it: OpenStack today (hubctl.cloud.openstack).

hubctl's cloud-neutral code asks a `Project` (hubctl.cloud.api) for what it needs; a site's
credentials and region (`SiteCloud`, `site_cloud`), the project of a connection (`project_of`)
or of the provider's own credentials (`named_project`), the object store of a connection
(`object_store_of`) and emptying a container before a
destroy (`empty_container`) come from the implementation.
"""

from __future__ import annotations

from typing import Any

from hubctl.cloud.api import CloudObject, CloudReason, ObjectStore, Project, StoredObject
from hubctl.cloud.openstack.credentials import (
    SiteCloud,
    connect_from_env,
    empty_container,
    named_project,
    site_cloud,
)

__all__ = [
    "CloudObject",
    "CloudReason",
    "ObjectStore",
    "Project",
    "SiteCloud",
    "StoredObject",
    "connect_from_env",
    "empty_container",
    "named_project",
    "object_store_of",
    "project_of",
    "site_cloud",
]


def project_of(conn: Any) -> Project:
    """The project an SDK connection reaches (an openstacksdk connection, today)."""
    from hubctl.cloud.openstack.project import OpenStackProject

    return OpenStackProject(conn)


def object_store_of(conn: Any) -> ObjectStore:
    """The object store an SDK connection reaches (an openstacksdk connection, today)."""
    from hubctl.cloud.openstack.object_store import OpenStackObjectStore

    return OpenStackObjectStore(conn)
