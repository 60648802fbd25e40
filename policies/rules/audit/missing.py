"""audit-missing: Every resource a stack's state holds exists in the cloud."""

from __future__ import annotations

from policies.model import AuditKind
from policies.rules.audit.common import register_audit_rule

register_audit_rule(__name__, AuditKind.MISSING)
