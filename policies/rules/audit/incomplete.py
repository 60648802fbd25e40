"""audit-incomplete: The audit read the whole inventory: no service down, slow or changing under
it."""

from __future__ import annotations

from policies.model import AuditKind
from policies.rules.audit.common import register_audit_rule

register_audit_rule(__name__, AuditKind.INCOMPLETE)
