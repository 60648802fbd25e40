"""workspace-access-via-project: Members get access only through the workspace's own Keystone
project."""

from __future__ import annotations

from collections.abc import Iterable

from hubcore.resource_types import PROJECT, ROLE_ASSIGNMENT, USER
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule
from policies.rules.common import describe
from policies.rules.workspace.common import is_workspace_stack


def _own_projects(context: Context) -> Iterable[ResourceView]:
    return (r for r in context.resources if r.type == PROJECT)


@rule(
    "workspace-access-via-project",
    description="Members get access only through the workspace's own Keystone project.",
    remediation="Grant roles on the workspace project only, never a domain or another project.",
    severity=Severity.HIGH,
    requirements=("CNIL-AUTH", "GDPR-32"),
    enforces=(
        "role assignments and users of a workspace stack are on its own Keystone project, never a "
        "domain"
    ),
    scope=Scope.RESOURCES,
    applies_to=(ROLE_ASSIGNMENT, USER),
)
def workspace_access_via_project(resource: ResourceView, context: Context) -> Outcome:
    """Passes: in a workspace stack, a role assignment on (or a user whose default project is)
    the stack's own project. Fails: a domain-wide grant, another project, or one that cannot
    be traced to the stack's project. Not applicable: other stacks."""
    if not is_workspace_stack(context):
        return not_applicable("not a workspace stack")
    if resource.type == ROLE_ASSIGNMENT and resource.get("domainId") not in (None, ""):
        return failed(f"{describe(resource)} grants a role on a whole domain.")
    prop = "projectId" if resource.type == ROLE_ASSIGNMENT else "defaultProjectId"
    project = context.referenced(resource, prop, PROJECT)
    if project is not None and any(p.urn == project.urn for p in _own_projects(context)):
        return passed()
    return failed(
        f"{describe(resource)} reaches a project that is not this workspace's "
        f"({resource.get(prop) or 'none'}): members' access goes through the workspace's project."
    )
