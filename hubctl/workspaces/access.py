"""Who reaches an open workspace: its exports, and a member's own Keystone credentials."""

from __future__ import annotations

import json
import os
from typing import Any

from pulumi import automation as auto

from hubcore.paths import relative
from hubcore.stackfiles import stack_file
from hubcore.values import ConfigError
from hubctl.deploy import select_named_stack
from hubctl.workspaces.opened import PASSWORDS_KEY, workspace_stack
from infra.layers.workspace import WorkspaceExports


def _stack(site: str, project: str) -> auto.Stack:
    name = workspace_stack(site, project)
    if not stack_file(name).exists():
        raise ConfigError(
            f"workspace {project!r} of site {site!r} is not open: no {relative(stack_file(name))}",
            key="project",
        )
    return select_named_stack(name)


def workspace_exports(site: str, project: str) -> WorkspaceExports:
    outputs = {k: v.value for k, v in _stack(site, project).outputs().items()}
    if "key_ref" not in outputs:
        raise ConfigError(f"workspace {project!r} is not deployed: open it first", key="project")
    return WorkspaceExports.model_validate(outputs)


def member_env(site: Any, project: str, member: str) -> dict[str, str]:
    """OS_* for `member`, scoped to the workspace's project, with their initial password."""
    stack = _stack(site.name, project)
    outputs = {k: v.value for k, v in stack.outputs().items()}
    exports = WorkspaceExports.model_validate(outputs)
    if member not in exports.members:
        known = ", ".join(sorted(exports.members)) or "none (existing tenancy: the provider's IAM)"
        raise ConfigError(
            f"--member {member!r}: workspace {project!r} has members {known}",
            key="member",
        )
    passwords = json.loads(stack.get_config(PASSWORDS_KEY).value)
    return {
        "OS_AUTH_URL": os.environ.get("OS_AUTH_URL") or str(site.config.identity_endpoint),
        "OS_REGION_NAME": site.config.region_name,
        "OS_PROJECT_NAME": exports.project_name,
        "OS_USERNAME": exports.members[member],
        "OS_PASSWORD": passwords[member],
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
    }
