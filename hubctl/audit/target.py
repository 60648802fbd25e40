"""A project read as the pack judges it: one `Target` per project read, holding its live
resources in the pack's model (a managed one under its state's URN and name, any other under
a stable live URN) and what the comparison found (drift, unmanaged, missing, forbidden,
partial) as the target's audit facts, each finding at the line that declares its resource.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hubcore.paths import relative
from hubcore.stackfiles import stack_file
from hubcore.stacks import StackName
from hubcore.values import Location
from hubctl.audit.builders import Live
from hubctl.audit.compare import Comparison, Status, shown
from hubctl.audit.mapping import declared_inputs
from hubctl.cloud.inventory import Gap, GapKind, RawProject
from policies.evaluate import Target
from policies.model import AuditFacts, AuditFinding, AuditKind, ResourceView, SiteFacts


@dataclass
class ProjectRead:
    project: str
    project_name: str
    region: str
    raw: RawProject
    live: list[Live]
    comparison: Comparison


def kind(token: str) -> str:
    return token.rsplit(":", 1)[-1]


def live_urn(site: str, item: Live) -> str:
    """A stable URN for a resource no state names: the site, the type, the cloud's id."""
    return f"urn:pulumi:{site}-live::hub::{item.token}::{item.name or item.id}~{item.id}"


def provider_urn(site: str, read: ProjectRead) -> str:
    return (
        f"urn:pulumi:{site}-live::hub::pulumi:providers:openstack::"
        f"{read.project_name}-{read.region}"
    )


def target(
    read: ProjectRead,
    facts: SiteFacts,
    identity: Mapping[str, Any],
    gaps: list[Gap],
    gone: list[tuple[str, ResourceView]],
) -> Target:
    site = facts.site or ""
    provider = ResourceView(
        urn=provider_urn(site, read),
        type="pulumi:providers:openstack",
        name=f"{read.project_name}-{read.region}",
        inputs={"region": read.region, "authUrl": identity.get("auth_url") or ""},
    )
    resources = [provider]
    urns: dict[int, str] = {}
    for entry in read.comparison.classified:
        if entry.status in (Status.BUILT_IN, Status.PART):
            continue
        item = entry.live
        own_state = entry.status is Status.MANAGED and entry.state is not None and not entry.why
        urn = entry.state.urn if own_state and entry.state is not None else live_urn(site, item)
        urns[id(item)] = urn
        resources.append(
            ResourceView(
                urn=urn,
                type=item.token,
                name=entry.state.name if own_state and entry.state is not None else item.name,
                inputs={**declared_inputs(item, read.raw), "region": item.region},
                provider_urn=provider.urn,
                id=item.id,
            )
        )
    findings = _findings(read, site, urns, provider.urn, gaps, gone)
    return Target(
        name=f"live {read.project_name} ({read.region})",
        site=_with_audit(facts, AuditFacts(tuple(findings))),
        resources=resources,
        stack_urn=provider.urn,
        fallback=None,
    )


def _with_audit(facts: SiteFacts, audit: AuditFacts) -> SiteFacts:
    from dataclasses import replace

    return replace(facts, audit=audit)


def declaration(urn: str) -> Location | None:
    """The line that declares a resource of a stack: the program line its synthesis records,
    else the stack's file; None for a stack this repository does not define."""
    stack = StackName.try_parse(urn.removeprefix("urn:pulumi:").split("::", 1)[0])
    if stack is None:
        return None
    lines = _declared_lines(str(stack))
    if urn in lines:
        return lines[urn]
    try:
        return Location(relative(stack_file(stack)), 1)
    except Exception:  # no such stack file: a workspace closed since
        return None


_LINES: dict[str, dict[str, Location]] = {}


def _declared_lines(stack: str) -> dict[str, Location]:
    if stack in _LINES:
        return _LINES[stack]
    lines: dict[str, Location] = {}
    if os.environ.get("HUBCTL_AUDIT_LINES", "on") != "off":
        try:
            from hubctl.checkcache import stack_records

            for record in stack_records(stack):
                if record.source_file and "site-packages" not in record.source_file:
                    lines[record.urn] = Location(record.source_file, record.source_line)
        except Exception:  # the program cannot be synthesised here: the stack file will do
            lines = {}
    _LINES[stack] = lines
    return lines


def _describe(token: str, name: str, ident: str) -> str:
    return f"{kind(token)} {name!r} ({ident})"


def _findings(
    read: ProjectRead,
    site: str,
    urns: Mapping[int, str],
    provider: str,
    gaps: list[Gap],
    gone: list[tuple[str, ResourceView]],
) -> list[AuditFinding]:
    comparison = read.comparison
    where = f"project {read.project_name} ({read.region})"
    findings: list[AuditFinding] = []
    states_by_urn = {
        e.state.urn: e for e in comparison.classified if e.state is not None and not e.why
    }
    for urn, drifts in comparison.drift.items():
        entry = states_by_urn[urn]
        for drift in drifts:
            findings.append(
                AuditFinding(
                    AuditKind.DRIFT,
                    urn,
                    f"{_describe(entry.live.token, entry.live.name, entry.live.id)} of stack "
                    f"{entry.stack} drifted: {drift.prop} is {shown(drift.live_value)} in the "
                    f"cloud, {shown(drift.state_value)} in the state.",
                    declaration(urn),
                )
            )
    for group, rules in comparison.group_drift.items():
        for rule in rules:
            opens = _rule_text(rule)
            findings.append(
                AuditFinding(
                    AuditKind.DRIFT,
                    group,
                    f"security group {group.rsplit('::', 1)[-1]!r} drifted: it has a rule its "
                    f"state does not, {opens} (rule {rule.id}, added in the cloud).",
                    declaration(group),
                )
            )
    for entry in comparison.classified:
        if entry.status is Status.UNMANAGED:
            item = entry.live
            findings.append(
                AuditFinding(
                    AuditKind.UNMANAGED,
                    urns[id(item)],
                    f"{_describe(item.token, item.name, item.id)} is in {where} but in no "
                    f"state of site {site}: nobody reviewed it.",
                )
            )
    for stack, view in gone:
        findings.append(
            AuditFinding(
                AuditKind.MISSING,
                view.urn,
                f"{_describe(view.type, view.name, view.id or '?')} of stack {stack} is not in "
                f"the cloud: deleted outside Pulumi.",
                declaration(view.urn),
            )
        )
    for gap in gaps:
        if gap.kind is GapKind.FORBIDDEN:
            findings.append(
                AuditFinding(
                    AuditKind.FORBIDDEN,
                    provider,
                    f"the cloud refused to let the audit read {gap.service} ({gap.what}) in "
                    f"{where}: {gap.detail}; nothing of it is judged.",
                )
            )
        elif gap.kind.partial:
            findings.append(
                AuditFinding(
                    AuditKind.INCOMPLETE,
                    provider,
                    f"the audit of {where} is partial: {gap.service} ({gap.what}): "
                    f"{gap.kind.value}: {gap.detail}.",
                )
            )
    return findings


def _rule_text(rule: Live) -> str:
    inputs = rule.inputs
    protocol = inputs.get("protocol") or "any protocol"
    low, high = inputs.get("portRangeMin"), inputs.get("portRangeMax")
    ports = "" if not low else f" port {low}" if low == high else f" ports {low}-{high}"
    remote = inputs.get("remoteIpPrefix") or (
        f"group {inputs.get('remoteGroupId')}" if inputs.get("remoteGroupId") else "anywhere"
    )
    side = "from" if inputs.get("direction") == "ingress" else "to"
    return f"{inputs.get('direction')} {protocol}{ports} {side} {remote}"
