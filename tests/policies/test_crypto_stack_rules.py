"""Cryptography and stack families."""

from __future__ import annotations

import pytest

from hubcore.stackfiles import known_stacks, load_layered_config
from hubcore.stacks import StackName
from policies.facts import site_region
from policies.model import Status
from tests.policies.conftest import REMOVE, bare_site, failures, find, mutate, statuses, with_config

KEY = "privateKey:PrivateKey"


def test_shipped_keys_meet_anssi_sizes(target):
    for stack in ("prod-kms", "prod-compute"):
        stack_target = target(stack)
        keys = [v for v in stack_target.resources if v.type.endswith(KEY)]
        assert keys
        assert all(statuses("crypto-key-strength", stack_target, k) == {Status.PASS} for k in keys)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"algorithm": "RSA", "rsaBits": 2048.0, "ecdsaCurve": REMOVE}, "2048 bits"),
        ({"algorithm": "RSA", "ecdsaCurve": REMOVE}, "2048 bits"),
        ({"ecdsaCurve": "P224"}, "P224"),
        ({"ecdsaCurve": REMOVE}, "default"),
        ({"algorithm": "ED25519", "ecdsaCurve": REMOVE}, "Ed25519"),
    ],
)
def test_weak_or_defaulted_keys_fail(target, changes, expected):
    kms = target("prod-kms")
    changed, key = mutate(kms, find(kms, KEY, "ca-key"), **changes)
    [message] = failures("crypto-key-strength", changed, key)
    assert expected in message


def test_rsa_3072_passes(target):
    kms = target("prod-kms")
    changed, key = mutate(kms, find(kms, KEY, "ca-key"), algorithm="RSA", rsaBits=3072.0)
    assert statuses("crypto-key-strength", changed, key) == {Status.PASS}


def test_a_weak_curve_from_stack_config_points_at_the_config(target):
    from policies.config import PackConfig
    from policies.evaluate import evaluate

    kms = target("staging-kms", hub__tls='{"algorithm": "ECDSA", "ecdsaCurve": "P224"}')
    found = [v for v in evaluate(kms, PackConfig()).violations if v.policy == "crypto-key-strength"]
    assert found and all(str(v.location) == "command line (-c)" for v in found)


def test_xts_keys_need_256_bits(target):
    kms = target("prod-kms")
    order = find(kms, "orderV1:OrderV1")
    assert statuses("crypto-symmetric-key-strength", kms, order) == {Status.PASS}
    changed, weak = mutate(kms, order, meta={**order.get("meta"), "bitLength": 128.0})
    assert failures("crypto-symmetric-key-strength", changed, weak)


def test_certificate_validity_is_bounded(target):
    kms = target("prod-kms")
    ca = find(kms, "selfSignedCert:SelfSignedCert")
    assert statuses("crypto-certificate-validity", kms, ca) == {Status.PASS}
    changed, long_lived = mutate(kms, ca, validityPeriodHours=87600.0)
    [message] = failures("crypto-certificate-validity", changed, long_lived)
    assert "87600" in message


def test_a_leaf_certificate_longer_than_a_year_fails(target):
    kms = target("prod-kms")
    changed, cert = mutate(
        kms, find(kms, "locallySignedCert:LocallySignedCert"), validityPeriodHours=17520.0
    )
    assert failures("crypto-certificate-validity", changed, cert)


def test_shipped_dr_pairings_are_in_distinct_eu_regions(target):
    for stack in ("prod-network", "dr-network", "local-storage", "local-dr-kms"):
        assert failures("stack-dr-distinct-region", target(stack)) == [], stack


def test_a_dr_site_in_the_same_region_as_the_site_it_protects_fails(target):
    dr = with_config(
        target("dr-network"),
        openstack__region="EU-WEST-RBX-SNC",
        openstack__authUrl="https://auth.cloud.ovh.net/v3",
    )
    messages = failures("stack-dr-distinct-region", dr)
    assert any("both are in EU-WEST-RBX-SNC" in message for message in messages), messages


def test_a_replica_in_the_site_region_fails(target):
    prod = with_config(target("prod-storage"), hub__replicaRegion="EU-WEST-RBX-SNC")
    [message] = failures("stack-dr-distinct-region", prod)
    assert "replicaRegion" in message


def test_protecting_a_site_the_repository_lacks_fails(target):
    dr = with_config(target("dr-network"), hub__protects="atlantis")
    [message] = failures("stack-dr-distinct-region", dr)
    assert "atlantis" in message


@pytest.mark.parametrize(
    "backend",
    [
        "s3://hub-state?endpoint=s3.gra.io.cloud.ovh.net&region=gra",
        "file://.state/backend",
        "s3://state?endpoint=127.0.0.1:9000",
    ],
)
def test_sovereign_backends_pass(target, backend):
    assert statuses(
        "stack-sovereign-backend", with_config(target("staging-kms"), hub__stateBackend=backend)
    ) == {Status.PASS}


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        ("https://api.pulumi.com", "Pulumi Cloud"),
        ("s3://hub-state", "Amazon S3"),
        ("azblob://state", "US cloud"),
        ("gs://state", "US cloud"),
        ("s3://x?endpoint=s3.eu-west-3.amazonaws.com", "no EU provider"),
    ],
)
def test_foreign_backends_fail(target, backend, expected):
    [message] = failures(
        "stack-sovereign-backend", with_config(target("staging-kms"), hub__stateBackend=backend)
    )
    assert expected in message


@pytest.mark.parametrize("provider", ["passphrase", "hashivault://hub-state"])
def test_sovereign_secrets_providers_pass(target, provider):
    staging = with_config(target("staging-kms"), hub__secretsProvider=provider)
    assert statuses("stack-sovereign-secrets-provider", staging) == {Status.PASS}


@pytest.mark.parametrize(
    "provider", ["awskms://alias/hub", "azurekeyvault://v.vault/keys/k", "gcpkms://p/k", "service"]
)
def test_us_kms_secrets_providers_fail(target, provider):
    staging = with_config(target("staging-kms"), hub__secretsProvider=provider)
    assert failures("stack-sovereign-secrets-provider", staging)


def test_without_config_the_stack_rules_cannot_apply(target):
    bare = bare_site(target("staging-kms"))
    for rule_id in ("stack-sovereign-backend", "stack-dr-distinct-region"):
        assert statuses(rule_id, bare) == {Status.NOT_APPLICABLE}


@pytest.mark.parametrize("stack", known_stacks())
def test_the_dr_rule_reads_each_site_region_as_the_config_loader_does(stack):
    name = StackName.parse(stack)
    region = load_layered_config(stack)["openstack:region"].value
    assert site_region(name.site, name.layer.value) == region
