"""The checks after a close, each through an API and into the closing record: with the
workspace's own scope, before its project goes, nothing of its data answers; the airlock's
containers are gone; Keystone lists neither its project nor its users."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hubctl.envelope import secret_id
from hubctl.workspaces import closing_record
from hubctl.workspaces.holdings import Holdings

if TYPE_CHECKING:
    from infra.layers.workspace import WorkspaceExports


# What a check observed: the HTTP status the API answered, or why no answer came. Only a 404
# says a thing is gone; 401, 403, 500 or a timeout say nothing of it, so its check fails and
# the record keeps what was observed.
Observed = int | str


def _no_answer(error: Exception) -> str:
    return f"no answer: {type(error).__name__}: {error}"


def _ask(conn: Any, method: str, path: str, service: str) -> Observed:
    """The status `method` (get, head) of `path` got from `service`, or why none came."""
    try:
        response = getattr(conn.session, method)(
            path, endpoint_filter={"service_type": service}, raise_exc=False
        )
    except Exception as error:  # a timeout or a refused connection is an observation too
        return _no_answer(error)
    return int(response.status_code)


def _status(conn: Any, path: str, service: str) -> Observed:
    return _ask(conn, "get", path, service)


def _head(conn: Any, path: str, service: str) -> Observed:
    return _ask(conn, "head", path, service)


def check_data_gone(record: closing_record.Record, conn: Any, holdings: Holdings) -> None:
    """With the workspace's own scope, before its project goes: nothing of it answers."""
    for container in holdings.containers:
        code = _head(conn, f"/{container}", "object-store")
        record.check(f"container {container} is gone", "object-store HEAD", code == 404, code)
    for server in holdings.instance_ids:
        code = _status(conn, f"/servers/{server}", "compute")
        record.check(f"host {server} is gone", "compute GET /servers", code == 404, code)
    try:
        listed = list(conn.compute.servers())
    except Exception as error:  # refused or unanswered: the project's hosts are unknown
        record.check(
            "the project lists no host", "compute GET /servers/detail", False, _no_answer(error)
        )
    else:
        record.check(
            "the project lists no host", "compute GET /servers/detail", not listed, len(listed)
        )
    for volume in holdings.volume_ids:
        code = _status(conn, f"/volumes/{volume}", "block-storage")
        record.check(f"volume {volume} is gone", "block-storage GET /volumes", code == 404, code)
    for network in holdings.network_ids:
        code = _status(conn, f"/v2.0/networks/{network}", "network")
        record.check(f"network {network} is gone", "network GET", code == 404, code)
    for key_ref in holdings.key_refs:
        code = _status(conn, f"/v1/secrets/{secret_id(key_ref)}", "key-manager")
        record.check(
            f"the key reference {key_ref} no longer resolves", "key-manager GET", code == 404, code
        )
        code = _status(conn, f"/v1/secrets/{secret_id(key_ref)}/payload", "key-manager")
        record.check(
            "the key material cannot be read", "key-manager GET payload", code == 404, code
        )


def check_airlock_gone(
    record: closing_record.Record, conn: Any, operator: Any, exports: WorkspaceExports
) -> None:
    """The airlock's ledger and decision containers (the workspace's project) and the
    release area (the site's project) are gone; their contents are in the record."""
    inside = [exports.airlock_container, *exports.decision_containers.values()]
    for container in (c for c in inside if c):
        code = _head(conn, f"/{container}", "object-store")
        record.check(f"container {container} is gone", "object-store HEAD", code == 404, code)
    if exports.release_container:
        code = _head(operator, f"/{exports.release_container}", "object-store")
        record.check(
            f"release area {exports.release_container} is gone (site project)",
            "object-store HEAD",
            code == 404,
            code,
        )


def _listed(conn: Any, collection: str, name: str) -> Observed:
    """How many `collection` entries Keystone lists under `name` (a listing reads the database;
    a lookup by id may be answered from Keystone's cache for a while after a deletion), or what
    came instead of a listing."""
    try:
        response = conn.session.get(
            f"/{collection}",
            params={"name": name},
            endpoint_filter={"service_type": "identity", "interface": "public"},
            raise_exc=False,
        )
    except Exception as error:
        return _no_answer(error)
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    return len(response.json().get(collection) or [])


def _shown(left: Observed) -> str:
    return f"{left} listed" if isinstance(left, int) else left


def check_identity_gone(record: closing_record.Record, conn: Any, holdings: Holdings) -> None:
    if holdings.tenancy != "create":
        return
    if holdings.project_name:
        left = _listed(conn, "projects", holdings.project_name)
        record.check(
            f"Keystone project {holdings.project_name} is gone",
            "identity GET /projects?name=",
            left == 0,
            _shown(left),
        )
    for member, user in holdings.users.items():
        left = _listed(conn, "users", user)
        record.check(
            f"member {member}'s user {user} is gone",
            "identity GET /users?name=",
            left == 0,
            _shown(left),
        )
