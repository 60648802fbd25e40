"""audit-forbidden: The audit can read every service of the site's projects."""

from __future__ import annotations

from policies.model import AuditKind
from policies.rules.audit.common import register_audit_rule

register_audit_rule(__name__, AuditKind.FORBIDDEN)
