"""The registry: every rule listed with id, description, severity, level and requirements;
ids unique and well-formed; the requirement mapping complete both ways; pack config checked."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from policies.config import PackConfig, PackConfigError
from policies.readme import RULE_IDS, stale
from policies.references import REQUIREMENTS, RULE_REQUIREMENTS
from policies.registry import (
    REGISTRY,
    Enforcement,
    RegistryError,
    Rule,
    Scope,
    Severity,
    family_of,
    register,
)
from policies.rules import all_rules

RULES = all_rules()

# The rule ids, as a reviewer reads them: a snapshot (policies/rule-ids.txt) rewritten by
# `python -m policies.readme --write`, so a rule added or renamed shows up in review as a line of
# that file, where its mapping and docs are reviewed with it.
EXPECTED_IDS = set(RULE_IDS.read_text(encoding="utf-8").split())


def test_the_registry_lists_exactly_the_expected_rules():
    assert {rule.id for rule in RULES} == EXPECTED_IDS


def test_the_readme_rule_table_and_the_id_snapshot_are_generated_from_the_registry():
    assert stale() == [], "run python -m policies.readme --write"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_is_fully_described(rule: Rule):
    assert rule.description.endswith(".") and len(rule.description) <= 100
    assert rule.remediation and rule.check.__doc__, "docstring: when it passes and fails"
    assert isinstance(rule.severity, Severity) and isinstance(rule.enforcement, Enforcement)
    assert rule.id.startswith(f"{rule.family}-")


def test_every_rule_maps_to_existing_requirements():
    missing = {rule.id for rule in RULES if not RULE_REQUIREMENTS.get(rule.id)}
    dangling = {
        (rule_id, req)
        for rule_id, reqs in RULE_REQUIREMENTS.items()
        for req in reqs
        if req not in REQUIREMENTS
    }
    assert missing == set() and dangling == set()


def test_the_mapping_names_no_rule_that_does_not_exist():
    assert set(RULE_REQUIREMENTS) - set(REGISTRY) == set()


def test_every_requirement_is_enforced_by_some_rule():
    cited = {req for reqs in RULE_REQUIREMENTS.values() for req in reqs}
    assert set(REQUIREMENTS) - cited == set()


def test_mandatory_is_the_default_except_for_the_advisory_qualification_rule():
    advisory = {rule.id for rule in RULES if rule.enforcement is not Enforcement.MANDATORY}
    assert advisory == {"qualification-secnumcloud-advisory"}


def _a_rule(rule_id: str, family: str = "region") -> Rule:
    return Rule(
        id=rule_id,
        family=family,
        description="x.",
        remediation="y",
        severity=Severity.LOW,
        check=lambda r, c: [],
        applies_to=("openstack:*",),
    )


@pytest.mark.parametrize(
    "rule_id", ["region-eu-only", "all", "Region-Caps", "region", "other-family-rule"]
)
def test_the_registry_refuses_duplicate_reserved_or_malformed_ids(rule_id):
    with pytest.raises(RegistryError):
        register(_a_rule(rule_id))


@pytest.mark.parametrize(
    ("module", "family"),
    [
        ("policies.rules.crypto", "crypto"),
        ("policies.rules.qualification.secnumcloud_advisory", "qualification"),
        ("policies.rules.qualification.common", "qualification"),
        ("policies.rules.crypto.keys.rsa", None),
        ("policies.model", None),
        ("tests.policies.test_registry", None),
    ],
)
def test_the_family_is_the_module_or_its_package(module, family):
    assert family_of(module) == family


def _a_rule_in(module: str, rule_id: str) -> Rule:
    def check(resource, context):
        return []

    check.__module__ = module
    return Rule(
        id=rule_id,
        description="x.",
        remediation="y",
        severity=Severity.LOW,
        check=check,
        applies_to=("openstack:*",),
    )


def test_a_rule_of_a_family_package_lives_in_the_module_named_after_it():
    new = register(
        _a_rule_in("policies.rules.region.test_only_package_rule", "region-test-only-package-rule")
    )
    try:
        assert new.family == "region"
        assert REGISTRY[new.id] is new
    finally:
        del REGISTRY[new.id]


@pytest.mark.parametrize(
    "module",
    [
        "policies.rules.region.common",  # a helper module registers no rule
        "policies.rules.region.test_only_package",  # a prefix of the id is not its name
        "policies.rules.region.region_test_only_package_rule",  # the family is not repeated
        "policies.rules.region.test-only-package-rule",  # '-' is '_' in a module name
        "policies.rules.region",  # the family's package itself lists modules, holds no rule
    ],
)
def test_a_rule_of_a_family_package_elsewhere_is_refused(module):
    with pytest.raises(RegistryError, match="one rule per module, named after it"):
        register(_a_rule_in(module, "region-test-only-package-rule"))
    assert "region-test-only-package-rule" not in REGISTRY


@pytest.mark.parametrize(
    ("module", "path"),
    [
        ("policies.rules.region.test_only_rule", "policies/rules/region/test_only_rule.py"),
        ("policies.rules.region", "policies/rules/region.py"),
    ],
)
def test_a_rule_naming_another_family_than_its_module_is_refused_with_its_file(module, path):
    rule = replace(_a_rule_in(module, "crypto-test-only-rule"), family="crypto")
    with pytest.raises(RegistryError, match=f"says family 'crypto' but lives in {path}, of the "
                       "family 'region'"):  # fmt: skip
        register(rule)
    assert "crypto-test-only-rule" not in REGISTRY


def test_a_stack_rule_must_judge_no_resource_type():
    bad = Rule(
        id="stack-bad-scope",
        family="stack",
        description="x.",
        remediation="y",
        severity=Severity.LOW,
        check=lambda c: [],
        scope=Scope.STACK,
        applies_to=("openstack:*",),
    )
    with pytest.raises(RegistryError):
        register(bad)


def test_pack_config_layers_a_default_and_per_rule_levels():
    config = PackConfig.from_mapping(
        {
            "all": "advisory",
            "region-eu-only": "mandatory",
            "crypto-key-strength": {"enforcementLevel": "disabled", "allowEd25519": True},
        },
        "test",
    )
    assert config.enforcement(REGISTRY["region-eu-only"]) is Enforcement.MANDATORY
    assert config.enforcement(REGISTRY["secrets-no-plaintext"]) is Enforcement.ADVISORY
    assert config.enforcement(REGISTRY["crypto-key-strength"]) is Enforcement.DISABLED
    assert config.rule_config(REGISTRY["crypto-key-strength"])["allowEd25519"] is True


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"no-such-rule": "advisory"}, "unknown rule"),
        ({"region-eu-only": "sometimes"}, "not one of"),
        ({"crypto-key-strength": {"maxBits": 1}}, "unknown setting"),
        ({"crypto-key-strength": {"minRsaBits": "many"}}, "crypto-key-strength: minRsaBits: "),
        ({"exemption-expired": {"asOf": 20270101}}, "exemption-expired: asOf: "),
        ({"exposure-admin-port-ssh": {"ports": ["ssh"]}}, r"exposure-admin-port-ssh: ports\.0: "),
        ({"region-eu-only": {"suppress": [{"urn": "urn:x"}]}}, "no reason"),
        ({"region-eu-only": {"suppress": [{"urn": "urn:x", "reason": "  "}]}}, "no reason"),
    ],
)
def test_pack_config_mistakes_are_refused_with_a_reason(data, expected):
    with pytest.raises(PackConfigError, match=expected):
        PackConfig.from_mapping(data, "test")


def test_a_rule_reads_its_settings_typed_with_the_config_over_its_defaults():
    from policies.rules.crypto.key_strength import KeyStrengthSettings

    config = PackConfig.from_mapping({"crypto-key-strength": {"minRsaBits": 4096}}, "test")
    settings = config.settings(REGISTRY["crypto-key-strength"], KeyStrengthSettings)
    assert settings.min_rsa_bits == 4096
    assert settings.allowed_curves == ["P256", "P384", "P521"]
    assert settings.allow_ed25519 is False


def test_the_shipped_pack_config_is_valid():
    from policies.config import PACK_CONFIG_FILE

    PackConfig.from_mapping(json.loads(PACK_CONFIG_FILE.read_text()), str(PACK_CONFIG_FILE))


def _crashing(resource, context):
    """Passes never: raises, to show how a broken rule is reported."""
    raise KeyError("inputs.missing")


def test_a_crashing_rule_reports_itself_on_the_resource_instead_of_aborting(target, monkeypatch):
    from policies.config import PackConfig
    from policies.evaluate import evaluate

    broken = Rule(
        id="region-crashes",
        family="region",
        description="Crashes.",
        remediation="Fix it.",
        severity=Severity.HIGH,
        check=_crashing,
        applies_to=("pulumi:providers:openstack",),
    )
    monkeypatch.setitem(REGISTRY, broken.id, broken)
    report = evaluate(target("staging-kms"), PackConfig())
    [violation] = [v for v in report.violations if v.policy == broken.id]
    assert violation.enforcement is Enforcement.MANDATORY
    assert "crashed (KeyError" in violation.message and "providers:openstack" in violation.urn


def test_the_pack_readme_documents_every_rule():
    from hubcore.paths import REPO_ROOT

    readme = (REPO_ROOT / "policies" / "README.md").read_text()
    assert {rule.id for rule in RULES if f"`{rule.id}`" not in readme} == set()


def test_the_pack_readme_says_what_each_rule_enforces_as_the_rule_declares_it():
    """The rules table's last column is each rule's own `enforces`, its level and severity
    the rule's own."""
    from hubcore.paths import REPO_ROOT

    readme = (REPO_ROOT / "policies" / "README.md").read_text()
    rows = {
        match[1]: (match[2], match[3], match[4])
        for match in re.finditer(
            r"^\| `([a-z0-9-]+)` \| ([a-z]+) \| ([a-z]+) \| (.*) \|$", readme, re.MULTILINE
        )
    }
    expected = {
        rule.id: (rule.enforcement.value, rule.severity.value, rule.enforces) for rule in RULES
    }
    assert {i: rows.get(i) for i in expected if rows.get(i) != expected[i]} == {}
