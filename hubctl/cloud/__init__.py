"""The cloud a site runs on, as hubctl reaches it: OpenStack today (hubctl.cloud.openstack).

hubctl's cloud-neutral code asks a `Project` (hubctl.cloud.api) for what it needs; a site's
credentials and region (`SiteCloud`, `site_cloud`), the project of a connection (`project_of`)
or of the provider's own credentials (`named_project`), the object store of a connection
(`object_store_of`) or as its token reaches other projects' (`account_store_of`), its key
manager (`key_manager_of`), its servers as the host wait sees them (`hosts_of`), a project as
the audit reads it (`inventory_of`), a rebuilt site as a drill reads it back
(`rebuilt_site_of`), what still answers of a closed workspace (`remnants_of`), what kind of
failure a client's exception is (`fault_of`), the audit's read-only connections (`connect_named`,
`connect_like`, `cloud_entries`, `token_of`, `auth_url_of`), the catalogue's endpoints
(`catalogue_endpoints`, `region_endpoint`) and emptying a container before a destroy
(`empty_container`) come from the implementation.
"""

from __future__ import annotations

from hubctl.cloud.api import (
    AccountStore,
    Caller,
    CloudAuthError,
    CloudObject,
    CloudReason,
    Connection,
    Fault,
    Host,
    Hosts,
    HttpStatusError,
    KeyManager,
    ObjectStore,
    ObjectVersion,
    Project,
    RebuiltSite,
    Remnants,
    StoreAnswer,
    StoredObject,
    StoredSecret,
    TokenHolder,
)
from hubctl.cloud.inventory import Inventory
from hubctl.cloud.openstack.credentials import (
    SiteCloud,
    auth_url_of,
    catalogue_endpoints,
    cloud_entries,
    connect_from_env,
    connect_like,
    connect_named,
    empty_container,
    named_project,
    region_endpoint,
    site_cloud,
    token_of,
)

__all__ = [
    "AccountStore",
    "Caller",
    "CloudAuthError",
    "CloudObject",
    "CloudReason",
    "Connection",
    "Fault",
    "Host",
    "Hosts",
    "HttpStatusError",
    "Inventory",
    "KeyManager",
    "ObjectStore",
    "ObjectVersion",
    "Project",
    "RebuiltSite",
    "Remnants",
    "SiteCloud",
    "StoreAnswer",
    "StoredObject",
    "StoredSecret",
    "TokenHolder",
    "account_store_of",
    "auth_url_of",
    "catalogue_endpoints",
    "cloud_entries",
    "connect_from_env",
    "connect_like",
    "connect_named",
    "empty_container",
    "fault_of",
    "hosts_of",
    "inventory_of",
    "key_manager_of",
    "named_project",
    "object_store_of",
    "project_of",
    "rebuilt_site_of",
    "region_endpoint",
    "remnants_of",
    "site_cloud",
    "token_of",
]


def project_of(conn: Connection) -> Project:
    """The project an SDK connection reaches (an openstacksdk connection, today)."""
    from hubctl.cloud.openstack.project import OpenStackProject

    return OpenStackProject(conn)


def object_store_of(conn: Connection) -> ObjectStore:
    """The object store an SDK connection reaches (an openstacksdk connection, today)."""
    from hubctl.cloud.openstack.object_store import OpenStackObjectStore

    return OpenStackObjectStore(conn)


def account_store_of(conn: Connection) -> AccountStore:
    """The object store as an SDK connection's token reaches it, across projects where their
    ACLs let it (an openstacksdk connection, today)."""
    from hubctl.cloud.openstack.account_store import OpenStackAccountStore

    return OpenStackAccountStore(conn)


def key_manager_of(conn: Connection) -> KeyManager:
    """The key manager an SDK connection reaches (an openstacksdk connection, today)."""
    from hubctl.cloud.openstack.key_manager import OpenStackKeyManager

    return OpenStackKeyManager(conn)


def hosts_of(conn: Connection) -> Hosts:
    """The servers an SDK connection reaches (an openstacksdk connection, today)."""
    from hubctl.cloud.openstack.hosts import OpenStackHosts

    return OpenStackHosts(conn)


def inventory_of(conn: Connection) -> Inventory:
    """A project as the audit reads it through an SDK connection (openstacksdk's, today)."""
    from hubctl.cloud.openstack.inventory import OpenStackInventory

    return OpenStackInventory(conn)


def rebuilt_site_of(conn: Connection) -> RebuiltSite:
    """A rebuilt site as a drill reads it back through an SDK connection (openstacksdk's)."""
    from hubctl.cloud.openstack.rebuilt import OpenStackRebuiltSite

    return OpenStackRebuiltSite(conn)


def remnants_of(conn: Connection) -> Remnants:
    """What still answers of a closed workspace, through an SDK connection (openstacksdk's)."""
    from hubctl.cloud.openstack.remnants import OpenStackRemnants

    return OpenStackRemnants(conn)


def fault_of(error: BaseException) -> tuple[Fault, str]:
    """What kind of failure an exception of the cloud's client is, and a short why."""
    from hubctl.cloud.openstack.faults import fault_of as openstack_fault

    return openstack_fault(error)
