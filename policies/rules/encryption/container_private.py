"""encryption-container-private: Swift containers are never world-readable, world-listable or
world-writable."""

from __future__ import annotations

from hubcore.resource_types import CONTAINER
from policies.model import Context, Outcome, Reading, ResourceView, failed, passed
from policies.registry import Severity, rule
from policies.rules.common import cannot_judge, describe
from policies.swift import judge_acl


@rule(
    "encryption-container-private",
    description="Swift containers are never world-readable, world-listable or world-writable.",
    remediation="Remove container_read/container_write ACLs; share through signed URLs instead.",
    severity=Severity.CRITICAL,
    requirements=("SNC-10", "HDS-ISO27001-A8"),
    enforces=(
        "no Swift ACL reaching beyond the project, read as Swift reads it (`.r:`, `.ref:`, "
        "`.referer:`, `.referrer:`, `*.domain`, negations, `*:*`, `project:*`, `*:user`, "
        "percent-encoding); an ACL Swift refuses fails"
    ),
    applies_to=(CONTAINER,),
)
def encryption_container_private(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: no ACL, or ACLs naming specific projects and users, or roles of the project.
    Fails: a referrer list that lets any client in (`.r:*`, `.ref:*.example.com`, a host
    anyone can claim as Referer), a wildcard project or user (`*:*`, `project:*`, `*:user`,
    percent-encoded too), an ACL Swift refuses, or an ACL that cannot be read."""
    findings = []
    for field, verb in (("containerRead", "read/list"), ("containerWrite", "write")):
        value = resource.get(field)
        if value in (None, ""):
            continue
        reading = context.reading(resource, field, value)
        if reading is Reading.COMPUTED:
            continue
        if not reading.readable or not isinstance(value, str):
            findings.append(
                cannot_judge(
                    resource,
                    field,
                    reading if not reading.readable else Reading.UNKNOWN,
                    "who may access the container",
                )
            )
            continue
        verdict = judge_acl(value, write=field == "containerWrite")
        if verdict.refused:
            findings.append(
                failed(
                    f"{describe(resource)}: Swift refuses {field} {value!r} ({verdict.refused}), "
                    "so the container's access is not what the program declares.",
                )
            )
        if verdict.beyond:
            findings.append(
                failed(
                    f"{describe(resource)} grants {verb} access beyond the project through "
                    f"{field}: {'; '.join(verdict.beyond)}. Health-data containers are private "
                    "to the project: remove the ACL (use temporary signed URLs to share).",
                )
            )
    return findings or [passed()]
