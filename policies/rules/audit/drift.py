"""audit-drift: A managed resource in the cloud is what its stack's state says it is."""

from __future__ import annotations

from policies.model import AuditKind
from policies.rules.audit.common import register_audit_rule

register_audit_rule(__name__, AuditKind.DRIFT)
