"""The audit family: what a live audit found, reported by the pack, and nothing elsewhere."""

from __future__ import annotations

import dataclasses

import pytest

from hubcore.values import Location
from policies.config import PackConfig
from policies.evaluate import Target, Violation, evaluate
from policies.model import AuditFacts, AuditFinding, AuditKind
from policies.registry import REGISTRY
from policies.rules.audit.common import AUDIT_RULES

RULE_OF = {kind: f"audit-{suffix}" for kind, (suffix, *_) in AUDIT_RULES.items()}
URN = "urn:pulumi:staging-network::hub::openstack:networking/secGroup:SecGroup::hub-staging-app"


def with_findings(target: Target, *findings: AuditFinding) -> Target:
    site = dataclasses.replace(target.site, audit=AuditFacts(tuple(findings)))
    return dataclasses.replace(target, site=site)


def reported(target: Target, rule_id: str) -> list[Violation]:
    return [v for v in evaluate(target, PackConfig()).violations if v.policy == rule_id]


def test_every_kind_of_audit_finding_has_its_rule():
    assert set(RULE_OF) == set(AuditKind) and set(RULE_OF.values()) <= set(REGISTRY)


@pytest.mark.parametrize("stack", ["staging-network", "prod-compute"])
def test_outside_a_live_audit_the_audit_rules_report_nothing(target, stack):
    report = evaluate(target(stack), PackConfig())
    assert [v for v in report.violations if v.policy.startswith("audit-")] == []


@pytest.mark.parametrize("kind", list(AuditKind))
def test_each_finding_is_reported_by_its_kinds_rule_on_its_resource(target, kind):
    finding = AuditFinding(kind, URN, f"a {kind.value} finding")
    [violation] = reported(with_findings(target("staging-network"), finding), RULE_OF[kind])
    assert (violation.urn, violation.message) == (URN, f"a {kind.value} finding")


def test_a_rule_reports_only_its_own_kind(target):
    finding = AuditFinding(AuditKind.UNMANAGED, URN, "unmanaged")
    assert reported(with_findings(target("staging-network"), finding), "audit-drift") == []


def test_a_finding_is_filed_where_the_audit_says_the_resource_is_declared(target):
    where = Location("infra/layers/network.py", 185)
    finding = AuditFinding(AuditKind.DRIFT, URN, "drifted", where)
    [violation] = reported(with_findings(target("staging-network"), finding), "audit-drift")
    assert violation.location == where


def test_an_audit_that_found_nothing_passes_every_audit_rule(target):
    report = evaluate(with_findings(target("staging-network")), PackConfig())
    assert [v for v in report.violations if v.policy.startswith("audit-")] == []
