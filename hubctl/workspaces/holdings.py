"""What a workspace's state says it holds, whether or not its open completed.

A completed open registers the stack's outputs (infra.layers.workspace.WorkspaceExports). An open
that failed half-way registers none, yet may have made the workspace's project, users, network
or key: closing it (or rolling the open back) must find those all the same, so they are read from
the state's resources when the outputs are missing, type by type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hubcore.resource_types import CONTAINER, INSTANCE, NETWORK, ORDER, PROJECT, USER, VOLUME
from infra.config import HubConfig

if TYPE_CHECKING:
    from infra.layers.workspace import WorkspaceExports


@dataclass
class Holdings:
    """The workspace's project and what in it must be gone once it is closed."""

    complete: bool  # the open finished: these come from its outputs
    tenancy: str
    project_name: str | None = None
    key_refs: list[str] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)
    instance_ids: list[str] = field(default_factory=list)
    volume_ids: list[str] = field(default_factory=list)
    network_ids: list[str] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # member id (or user name) -> user name
    exports: WorkspaceExports | None = None  # a completed open's outputs, as they were


def holdings_of(
    outputs: Mapping[str, Any], resources: list[dict[str, Any]], config: HubConfig
) -> Holdings:
    """From the outputs of a completed open, else from the resources of the state."""
    from infra.layers.workspace import WorkspaceExports

    if "key_ref" in outputs:
        exports = WorkspaceExports.model_validate(dict(outputs))
        return Holdings(
            complete=True,
            tenancy=exports.tenancy,
            project_name=exports.project_name,
            key_refs=[exports.key_ref],
            containers=[exports.extract_container, exports.outbox_container],
            instance_ids=list(exports.instance_ids),
            volume_ids=list(exports.volume_ids),
            network_ids=[exports.network_id],
            users=dict(exports.members),
            exports=exports,
        )
    spec = config.workspace
    assert spec is not None
    found = Holdings(complete=False, tenancy=config.workspace_tenancy.value)
    found.project_name = spec.project  # an existing project, where the stack creates none
    for resource in resources:
        if resource.get("delete"):
            continue
        kind, values = str(resource.get("type")), resource.get("outputs") or {}
        ident = str(resource.get("id") or "")
        if kind == PROJECT and values.get("name"):
            found.project_name = str(values["name"])
        elif kind == USER and values.get("name"):
            found.users[str(values["name"])] = str(values["name"])
        elif kind == ORDER and values.get("secretRef"):
            found.key_refs.append(str(values["secretRef"]))
        elif kind == CONTAINER and values.get("name"):
            found.containers.append(str(values["name"]))
        elif kind == INSTANCE and ident:
            found.instance_ids.append(ident)
        elif kind == VOLUME and ident:
            found.volume_ids.append(ident)
        elif kind == NETWORK and ident:
            found.network_ids.append(ident)
    return found
