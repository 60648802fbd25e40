"""What the rules of the audit family share: each kind's rule (id suffix, metadata,
requirements), the check of one kind of finding, and the factory each kind's module registers
its rule with. Registers no rule itself."""

from __future__ import annotations

from collections.abc import Callable

from policies.model import AuditKind, Context, Outcome, failed, not_applicable, passed
from policies.registry import Rule, Scope, Severity, register

# kind -> (rule id suffix, description, remediation, severity)
AUDIT_RULES: dict[AuditKind, tuple[str, str, str, Severity]] = {
    AuditKind.DRIFT: (
        "drift",
        "A managed resource in the cloud is what its stack's state says it is.",
        "Revert the change in the cloud, or make it in the program and deploy it.",
        Severity.HIGH,
    ),
    AuditKind.UNMANAGED: (
        "unmanaged",
        "Every resource of the site's projects belongs to a stack of the site.",
        "Import the resource into a stack (pulumi import) or delete it.",
        Severity.MEDIUM,
    ),
    AuditKind.MISSING: (
        "missing",
        "Every resource a stack's state holds exists in the cloud.",
        "Refresh and redeploy the stack (hubctl up) to recreate what was deleted.",
        Severity.HIGH,
    ),
    AuditKind.FORBIDDEN: (
        "forbidden",
        "The audit can read every service of the site's projects.",
        "Give the auditing identity the reader role on the project for that service.",
        Severity.HIGH,
    ),
    AuditKind.INCOMPLETE: (
        "incomplete",
        "The audit read the whole inventory: no service down, slow or changing under it.",
        "Run the audit again once the service answers; the findings listed are partial.",
        Severity.CRITICAL,
    ),
}


# Each kind's requirements and what its rule enforces.
AUDIT_REFERENCES: dict[AuditKind, tuple[tuple[str, ...], str]] = {
    AuditKind.DRIFT: (
        ("SNC-12",),
        "live audits only (`hubctl audit`): a managed resource is what its state says (the "
        "property, the state's value, the live value)",
    ),
    AuditKind.UNMANAGED: (
        ("SNC-12", "CLOSED-WORLD"),
        "live audits only: every resource of the site's projects is in a state of the site (it "
        "is judged by every other rule all the same)",
    ),
    AuditKind.MISSING: (
        ("SNC-12",),
        "live audits only: every resource of a state is in the cloud",
    ),
    AuditKind.FORBIDDEN: (
        ("SNC-12", "CLOSED-WORLD"),
        "live audits only: the cloud let the audit read every service (a 403 is reported, never "
        "skipped)",
    ),
    AuditKind.INCOMPLETE: (
        ("SNC-12", "CLOSED-WORLD"),
        "live audits only: no fault (service unreachable, timeout, resource half-created or "
        "deleted during the audit, project over the limit) left the inventory partial; `hubctl "
        "audit` then exits 2",
    ),
}


def audit_check(kind: AuditKind) -> Callable[[Context], list[Outcome]]:
    def check(context: Context) -> list[Outcome]:
        """Passes: a live audit found nothing of this kind. Fails: one finding per resource
        (or service) the audit found of this kind, at the line that declares the resource
        where there is one. Not applicable: outside a live audit."""
        facts = context.site.audit
        if facts is None:
            return [not_applicable("not a live audit")]
        found = facts.of_kind(kind)
        return [failed(f.message, urn=f.urn, location=f.location) for f in found] or [passed()]

    return check


def register_audit_rule(module: str, kind: AuditKind) -> Rule:
    """Register the rule of this kind of finding (`audit-<suffix>`, AUDIT_RULES[kind]) as a rule
    of `module`, the module that calls this with its `__name__`. The check is made here, so its
    `__module__` is set to that module: the registry reads a rule's family, and in a family
    package the module it must live in, from its check's `__module__`."""
    suffix, description, remediation, severity = AUDIT_RULES[kind]
    check = audit_check(kind)
    check.__module__ = module
    return register(
        Rule(
            id=f"audit-{suffix}",
            description=description,
            remediation=remediation,
            severity=severity,
            scope=Scope.STACK,
            check=check,
            requirements=AUDIT_REFERENCES[kind][0],
            enforces=AUDIT_REFERENCES[kind][1],
        )
    )
