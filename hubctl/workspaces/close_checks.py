"""The checks after a close, each through an API and into the closing record: with the
workspace's own scope, before its project goes, nothing of its data answers; the airlock's
containers are gone; Keystone lists neither its project nor its users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hubctl.cloud.api import Observed, Remnants, reference_id
from hubctl.workspaces import closing_record
from hubctl.workspaces.holdings import Holdings

if TYPE_CHECKING:
    from infra.layers.workspace import WorkspaceExports


def check_data_gone(record: closing_record.Record, left: Remnants, holdings: Holdings) -> None:
    """With the workspace's own scope, before its project goes: nothing of it answers."""
    for container in holdings.containers:
        code = left.container(container)
        record.check(f"container {container} is gone", "object-store HEAD", code == 404, code)
    for server in holdings.instance_ids:
        code = left.server(server)
        record.check(f"host {server} is gone", "compute GET /servers", code == 404, code)
    listed = left.servers_listed()
    # A count, shown as such: an int the record would read as an HTTP status once it is ≥ 100.
    record.check(
        "the project lists no host", "compute GET /servers/detail", listed == 0, str(listed)
    )
    for volume in holdings.volume_ids:
        code = left.volume(volume)
        record.check(f"volume {volume} is gone", "block-storage GET /volumes", code == 404, code)
    for network in holdings.network_ids:
        code = left.network(network)
        record.check(f"network {network} is gone", "network GET", code == 404, code)
    for key_ref in holdings.key_refs:
        code = left.secret(reference_id(key_ref))
        record.check(
            f"the key reference {key_ref} no longer resolves", "key-manager GET", code == 404, code
        )
        code = left.secret_payload(reference_id(key_ref))
        record.check(
            "the key material cannot be read", "key-manager GET payload", code == 404, code
        )


def check_airlock_gone(
    record: closing_record.Record, left: Remnants, operator: Remnants, exports: WorkspaceExports
) -> None:
    """The airlock's ledger and decision containers (the workspace's project) and the
    release area (the site's project) are gone; their contents are in the record."""
    inside = [exports.airlock_container, *exports.decision_containers.values()]
    for container in (c for c in inside if c):
        code = left.container(container)
        record.check(f"container {container} is gone", "object-store HEAD", code == 404, code)
    if exports.release_container:
        code = operator.container(exports.release_container)
        record.check(
            f"release area {exports.release_container} is gone (site project)",
            "object-store HEAD",
            code == 404,
            code,
        )


def _shown(left: Observed) -> str:
    return f"{left} listed" if isinstance(left, int) else left


def check_identity_gone(
    record: closing_record.Record, operator: Remnants, holdings: Holdings
) -> None:
    if holdings.tenancy != "create":
        return
    if holdings.project_name:
        left = operator.identities_listed("projects", holdings.project_name)
        record.check(
            f"Keystone project {holdings.project_name} is gone",
            "identity GET /projects?name=",
            left == 0,
            _shown(left),
        )
    for member, user in holdings.users.items():
        left = operator.identities_listed("users", user)
        record.check(
            f"member {member}'s user {user} is gone",
            "identity GET /users?name=",
            left == 0,
            _shown(left),
        )
