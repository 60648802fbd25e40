"""secrets-no-admin-password: instances get no admin password."""

from __future__ import annotations

from hubcore.resource_types import INSTANCE
from policies.model import Context, Outcome, ResourceView, failed, passed
from policies.registry import Severity, rule
from policies.rules.common import describe


@rule(
    "secrets-no-admin-password",
    description="Instances get no admin password: access is by SSH key through the bastion.",
    remediation="Remove admin_pass; give operators SSH keys through the hardening user data.",
    severity=Severity.HIGH,
    requirements=("ANSSI-BP-028", "SNC-10"),
    enforces="no `admin_pass` on instances",
    applies_to=(INSTANCE,),
)
def secrets_no_admin_password(resource: ResourceView, context: Context) -> Outcome:
    """Passes: no admin_pass. Fails: any admin_pass, secret or not (a password login is a
    second way in that bypasses the bastion and its audit)."""
    if resource.get("adminPass") in (None, ""):
        return passed()
    return failed(
        f"{describe(resource)} sets admin_pass: a password login bypasses the bastion and "
        "its audit trail (ANSSI BP-028). Remove it; operators log in with SSH keys.",
    )
