"""The workspace layer's outputs, as later readers (hubctl) read them back."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from hubcore.stacks import Layer
from infra.config import HubConfig
from infra.layers.base import LayerExports
from infra.layers.workspace.names import DECISIONS, release_container_name


class WorkspaceExports(LayerExports):
    layer: ClassVar[Layer] = Layer.WORKSPACE

    workspace: str
    project_id: str
    project_name: str
    tenancy: str
    network_id: str
    subnet_id: str
    cidr: str
    router_id: str
    security_group_id: str
    instances: list[str]
    instance_ids: list[str]
    volume_ids: list[str]
    extract_container: str
    outbox_container: str
    key_ref: str
    members: dict[str, str]
    member_user_ids: dict[str, str]
    authorisation: str
    expires: str
    # The airlock (hubctl.airlock). Defaults keep workspaces opened before it readable.
    airlock_container: str | None = None
    decision_containers: dict[str, str] = Field(default_factory=dict)
    officer_user_ids: dict[str, str] = Field(default_factory=dict)
    release_container: str | None = None
    release_project_id: str | None = None

    @classmethod
    def placeholder(cls, config: HubConfig) -> dict[str, Any]:
        spec = config.workspace
        assert spec is not None
        prefix = f"hub-{config.site}-ws-{spec.id}"
        return {
            "workspace": spec.id,
            "project_id": f"{prefix}-project-id",
            "project_name": spec.project or prefix,
            "tenancy": config.workspace_tenancy.value,
            "network_id": f"{prefix}-net-id",
            "subnet_id": f"{prefix}-subnet-id",
            "cidr": str(spec.cidr),
            "router_id": f"{prefix}-router-id",
            "security_group_id": f"{prefix}-sg-id",
            "instances": [f"{prefix}-{i}" for i in range(spec.size.count)],
            "instance_ids": [f"{prefix}-{i}-id" for i in range(spec.size.count)],
            "volume_ids": [],
            "extract_container": f"{prefix}-extract",
            "outbox_container": f"{prefix}-outbox",
            "key_ref": f"https://barbican.{config.site}.invalid/v1/secrets/{prefix}-key",
            "members": {m.id: f"{prefix}-{m.id}" for m in spec.members},
            "member_user_ids": {m.id: f"{prefix}-{m.id}-id" for m in spec.members},
            "authorisation": spec.authorisation.reference,
            "expires": spec.expires.isoformat(),
            "airlock_container": f"{prefix}-airlock",
            "decision_containers": {o: f"{prefix}-{DECISIONS}-{o}" for o in config.data_officers},
            "officer_user_ids": {o: f"{o}-id" for o in config.data_officers},
            "release_container": release_container_name(config.site, spec.id),
            "release_project_id": f"hub-{config.site}-project-id",
        }
