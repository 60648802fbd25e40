"""audit-unmanaged: Every resource of the site's projects belongs to a stack of the site."""

from __future__ import annotations

from policies.model import AuditKind
from policies.rules.audit.common import register_audit_rule

register_audit_rule(__name__, AuditKind.UNMANAGED)
