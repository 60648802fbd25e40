"""qualification-secnumcloud-advisory: elsewhere, a non-qualified offer is reported (advisory)."""

from __future__ import annotations

from policies.model import Context, Outcome, ResourceView
from policies.registry import Enforcement, Rule, Scope, Severity, register
from policies.rules.qualification.common import PROVIDER, judge


def _advisory(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a SecNumCloud offer. Fails (advisory): any other offer, wherever the production
    rule does not apply."""
    return judge(resource, context, production=False)


register(
    Rule(
        id="qualification-secnumcloud-advisory",
        description=(
            "Sites without production health data are told when their offer is not qualified."
        ),
        remediation="Plan a SecNumCloud offer before this site serves production health data.",
        severity=Severity.MEDIUM,
        requirements=("SNC-QUALIFIED", "CATALOGUE"),
        enforces="everywhere else, a non-qualified offer is reported (not the local cloud)",
        enforcement=Enforcement.ADVISORY,
        applies_to=PROVIDER,
        scope=Scope.RESOURCE,
        check=_advisory,
    )
)
