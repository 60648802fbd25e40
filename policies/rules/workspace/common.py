"""What several rules of the workspace family share. Registers no rule."""

from __future__ import annotations

from datetime import date
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from hubcore.resource_types import SECURITY_GROUP
from hubcore.stacks import Layer, StackName
from policies.model import Context, ResourceView, is_known

WORKSPACE_TIER = "workspace"


def as_date(value: Any) -> date | None:
    if not isinstance(value, str) or not is_known(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def is_workspace_stack(context: Context) -> bool:
    name = StackName.try_parse(context.site.stack or "")
    return name is not None and name.layer is Layer.WORKSPACE


def is_extract(resource: ResourceView) -> bool:
    tags = resource.tags
    return "workspace" in tags and tags.get("purpose") == "extract"


def workspace_group(resource: ResourceView, context: Context) -> ResourceView | None:
    group = context.referenced(resource, "securityGroupId", SECURITY_GROUP)
    return group if group is not None and group.tags.get("tier") == WORKSPACE_TIER else None


def site_network(context: Context) -> IPv4Network | IPv6Network | None:
    text = context.site.text("hub:networkCidr")
    return ip_network(text, strict=False) if text else None
