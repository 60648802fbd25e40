"""qualification-secnumcloud-production: production health data runs on a SecNumCloud offer."""

from __future__ import annotations

from policies.model import Context, Outcome, ResourceView
from policies.registry import Enforcement, Rule, Scope, Severity, register
from policies.rules.qualification.common import PROVIDER, judge


def _production(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a SecNumCloud offer. Fails: any other offer, for any provider of a production
    health-data site (its replica region included) or of the site that protects one.
    Not applicable: other sites."""
    return judge(resource, context, production=True)


register(
    Rule(
        id="qualification-secnumcloud-production",
        description="Production health data runs on a SecNumCloud-qualified offer.",
        remediation="Move the site to a SecNumCloud offer of the catalogue (e.g. EU-WEST-RBX-SNC).",
        severity=Severity.HIGH,
        requirements=("SNC-QUALIFIED", "HDS-2.0", "CATALOGUE"),
        enforces=(
            "a production health-data site runs on a SecNumCloud offer (never the local cloud)"
        ),
        enforcement=Enforcement.MANDATORY,
        scope=Scope.RESOURCE,
        applies_to=PROVIDER,
        check=_production,
    )
)
