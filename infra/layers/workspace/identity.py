"""Identity: the workspace's project and who may use it, and the provider scoped to it."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from hubcore.values import SECRET_PLACEHOLDER, ConfigError
from hubcore.workspaceroles import DATA_OFFICER_ROLE, KEY_READER_ROLE, MEMBER_ROLE
from infra.config import HubConfig, Tenancy, WorkspaceSpec
from infra.layers.base import LayerContext
from infra.layers.workspace.names import WorkspaceFacts
from infra.providers import make_provider

OPERATOR_ROLE = "admin"


def member_passwords(config: HubConfig, spec: WorkspaceSpec) -> dict[str, str]:
    """Each member's initial Keystone password, from the stack's secret `hub:memberPasswords`.

    `hubctl workspace open` generates them and stores them as a Pulumi secret; offline (synth)
    the value is only a placeholder, which stands for every member's password.
    """
    passwords = config.member_passwords
    if passwords is None:
        raise ConfigError(
            f"stack {config.stack!r} has no hub:memberPasswords: open workspaces with "
            "`hubctl workspace open`, which generates them as Pulumi secrets",
            key="hub:memberPasswords",
        )
    if passwords == SECRET_PLACEHOLDER:
        return {member.id: passwords for member in spec.members}
    if not isinstance(passwords, dict) or not all(m.id in passwords for m in spec.members):
        raise ConfigError(
            f"stack {config.stack!r}: hub:memberPasswords must map every member id to a "
            "password; `hubctl workspace open` rewrites it",
            key="hub:memberPasswords",
        )
    return {str(k): str(v) for k, v in passwords.items()}


@dataclass(frozen=True)
class Identity:
    """The workspace's project and who may use it. `project` is None where the site's tenancy
    is `existing` (the manifest's project, access through the provider's IAM)."""

    project: openstack.identity.Project | None
    project_id: pulumi.Output[str]
    project_name: pulumi.Output[str]
    # What the workspace-scoped provider waits for: the operator may then use the project.
    grants: list[pulumi.Resource]
    users: dict[str, openstack.identity.User]
    # Who the decision containers and the release area admit: each data officer by id
    # (where hubctl creates the tenancy), else by name in the provider's own IAM.
    officer_ids: dict[str, pulumi.Input[str]]
    # Who the site provider's credentials are: the operator, in the site's project.
    operator_scope: pulumi.Output[openstack.identity.GetAuthScopeResult]


def declare_identity(
    owner: pulumi.ComponentResource, context: LayerContext, facts: WorkspaceFacts
) -> Identity:
    """Where the tenancy is `create`: the Keystone project, the operator's grant on it, one
    user per member with the member and key-reader roles, and the data officers' grants."""
    config, spec, name = facts.config, facts.spec, facts.name
    grants: list[pulumi.Resource] = []
    users: dict[str, openstack.identity.User] = {}
    officer_ids: dict[str, pulumi.Input[str]] = dict.fromkeys(config.data_officers, "")
    operator_scope = openstack.identity.get_auth_scope_output(
        name="operator", opts=pulumi.InvokeOptions(provider=context.provider)
    )
    if config.workspace_tenancy is not Tenancy.CREATE:
        assert spec.project is not None  # checked by HubConfig
        return Identity(
            project=None,
            project_id=pulumi.Output.from_input(spec.project),
            project_name=pulumi.Output.from_input(spec.project),
            grants=grants,
            users=users,
            officer_ids={officer: officer for officer in config.data_officers},
            operator_scope=operator_scope,
        )
    project = openstack.identity.Project(
        name("project"),
        name=facts.prefix,
        description=f"Research workspace {spec.id}: {spec.title}"[:255],
        enabled=True,
        tags=facts.tags,
        opts=context.opts(owner),
    )
    project_id: pulumi.Output[str] = project.id
    role = functools.partial(_role, context)
    grants.append(
        openstack.identity.RoleAssignment(
            name("operator"),
            project_id=project_id,
            user_id=operator_scope.user_id,
            role_id=role(OPERATOR_ROLE),
            opts=context.opts(owner),
        )
    )
    passwords = member_passwords(config, spec)
    for member in spec.members:
        user = openstack.identity.User(
            name("member", member.id),
            name=name(member.id),
            description=f"{member.role.value} of workspace {spec.id}",
            default_project_id=project_id,
            password=pulumi.Output.secret(passwords[member.id]),
            enabled=True,
            extra={**facts.metadata, "email": member.email, "member-role": member.role.value},
            opts=context.opts(owner),
        )
        users[member.id] = user
        for role_name in (MEMBER_ROLE, KEY_READER_ROLE):
            grants.append(
                openstack.identity.RoleAssignment(
                    name("member", member.id, role_name),
                    project_id=project_id,
                    user_id=user.id,
                    role_id=role(role_name),
                    opts=context.opts(owner),
                )
            )
    for officer in config.data_officers:
        found = openstack.identity.get_user_output(
            name=officer, opts=pulumi.InvokeOptions(provider=context.provider)
        )
        officer_ids[officer] = found.id
        grants.append(
            openstack.identity.RoleAssignment(
                name("officer", officer),
                project_id=project_id,
                user_id=found.id,
                role_id=role(DATA_OFFICER_ROLE),
                opts=context.opts(owner),
            )
        )
    return Identity(
        project=project,
        project_id=project_id,
        project_name=project.name,
        grants=grants,
        users=users,
        officer_ids=officer_ids,
        operator_scope=operator_scope,
    )


def _role(context: LayerContext, role: str) -> pulumi.Output[str]:
    found = openstack.identity.get_role_output(
        name=role, opts=pulumi.InvokeOptions(provider=context.provider)
    )
    return found.id


def workspace_context(context: LayerContext, identity: Identity) -> LayerContext:
    """Everything else lives in the workspace's project: a provider scoped to it, created
    once the operator may use the project (a child of the stack, as the site's provider)."""
    config = context.config
    provider = make_provider(
        config,
        "openstack-workspace",
        config.region_name,
        tenant_name=identity.project_name,
        opts=pulumi.ResourceOptions(depends_on=identity.grants),
    )
    return LayerContext(config=config, provider=provider, tls_provider=context.tls_provider)
