"""`hubctl check --state`: the same rules on a `pulumi stack export` file.

Each export is built from a shipped stack as synthesized (so it is what deploying the real
program would record), then one property of one resource is changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hubcore.wire import SECRET_SIG, SIG_KEY
from hubctl.cli import app
from tests.policies.exports import entry, export_of, set_property, write

runner = CliRunner()
PEM = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n"


def check_state(path: Path, *extra: str) -> Result:
    return runner.invoke(app, ["check", "--state", str(path), "--format", "json", *extra])


def mandatory(result) -> list[dict]:
    return [v for v in json.loads(result.stdout)["violations"] if v["enforcement"] == "mandatory"]


@pytest.fixture
def exported(synth, tmp_path):
    def build(stack: str):
        return export_of(synth(stack))

    return build


@pytest.mark.parametrize("stack", ["staging-network", "prod-kms", "prod-storage", "local-compute"])
def test_a_correct_export_passes(exported, tmp_path, stack):
    result = check_state(write(exported(stack), tmp_path / "state.json"))
    assert result.exit_code == 0, result.stdout
    assert mandatory(result) == []


CASES = [
    (
        "non-EU region",
        "staging-network",
        "providers:openstack",
        "",
        "region",
        "UK1",
        "region-eu-only",
    ),
    (
        "US region",
        "staging-network",
        "providers:openstack",
        "",
        "region",
        "US-EAST-VA-1",
        "region-eu-only",
    ),
    (
        "unknown region",
        "staging-network",
        "providers:openstack",
        "",
        "region",
        "XX9",
        "region-eu-only",
    ),
    (
        "misspelled region",
        "staging-network",
        "providers:openstack",
        "",
        "region",
        "GRA-11",
        "region-eu-only",
    ),
    (
        "foreign identity",
        "staging-network",
        "providers:openstack",
        "",
        "authUrl",
        "https://auth.us.cloud.ovh.us/v3",
        "region-identity-endpoint-eu",
    ),
    (
        "world-open rule",
        "staging-network",
        "secGroupRule:SecGroupRule",
        "admin-in-22-operators",
        "remoteIpPrefix",
        "0.0.0.0/0",
        "exposure-world-ingress",
    ),
    (
        "public container",
        "staging-storage",
        "container:Container",
        "dataset",
        "containerRead",
        ".r:*,.rlistings",
        "encryption-container-private",
    ),
    (
        "unencrypted volume",
        "staging-compute",
        "volume:Volume",
        "data",
        "volumeType",
        "high-speed",
        "encryption-volume-luks",
    ),
    (
        "plaintext secret",
        "staging-kms",
        "secretV1:SecretV1",
        "ca-key",
        "payload",
        PEM,
        "secrets-no-plaintext",
    ),
    (
        "weak key",
        "staging-kms",
        "privateKey:PrivateKey",
        "ca-key",
        "ecdsaCurve",
        "P224",
        "crypto-key-strength",
    ),
]


@pytest.mark.parametrize(
    ("stack", "type_suffix", "name", "key", "value", "rule_id"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_an_unsafe_export_fails_with_a_mandatory_violation_on_the_resource(
    exported, tmp_path, stack, type_suffix, name, key, value, rule_id
):
    export = exported(stack)
    item = entry(export, type_suffix, name)
    set_property(item, key, value)
    result = check_state(write(export, tmp_path / "state.json"))
    assert result.exit_code == 1, result.stdout
    assert (rule_id, item["urn"]) in {(v["policy"], v["urn"]) for v in mandatory(result)}


def test_a_weak_rsa_key_fails(exported, tmp_path):
    export = exported("staging-kms")
    item = entry(export, "privateKey:PrivateKey", "ca-key")
    set_property(item, "algorithm", "RSA")
    set_property(item, "rsaBits", 2048)
    item["inputs"].pop("ecdsaCurve")
    result = check_state(write(export, tmp_path / "state.json"))
    assert result.exit_code == 1
    assert any(v["urn"] == item["urn"] and "2048" in v["message"] for v in mandatory(result))


def test_a_secret_in_the_export_stays_a_secret(exported, tmp_path):
    export = exported("staging-kms")
    set_property(entry(export, "secretV1:SecretV1", "ca-key"), "payload", PEM, secret=True)
    assert check_state(write(export, tmp_path / "state.json")).exit_code == 0


def test_a_violation_points_at_the_resource_in_the_export(exported, tmp_path):
    export = exported("staging-network")
    item = entry(export, "providers:openstack")
    set_property(item, "region", "UK1")
    path = write(export, tmp_path / "state.json")
    [violation] = [v for v in mandatory(check_state(path)) if v["policy"] == "region-eu-only"]
    file, line = violation["location"].rsplit(":", 1)
    assert file.endswith("state.json")
    assert item["urn"] in path.read_text().splitlines()[int(line) - 1]


def test_an_export_of_a_foreign_stack_is_judged_on_its_resources(exported, tmp_path):
    text = json.dumps(exported("staging-compute")).replace("staging-compute", "acme-prod")
    export = json.loads(text)
    set_property(entry(export, "volume:Volume", "data"), "volumeType", "classic")
    result = check_state(write(export, tmp_path / "state.json"))
    assert result.exit_code == 1
    assert [v["policy"] for v in mandatory(result)] == ["encryption-volume-luks"]


def test_state_kept_by_pulumi_cloud_is_refused(exported, tmp_path):
    export = exported("staging-kms")
    export["deployment"]["secrets_providers"] = {"type": "service", "state": {}}
    result = check_state(write(export, tmp_path / "state.json"))
    assert result.exit_code == 1
    assert {"stack-sovereign-backend", "stack-sovereign-secrets-provider"} <= {
        v["policy"] for v in mandatory(result)
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"version": 2, "deployment": {"resources": []}}', "version 2 is not supported"),
        ('{"version": 3}', "no `deployment`"),
        ('{"version": 3, "deployment": {"resources": [{"urn": 1}]}}', "deployment.resources[0].urn"),
        ("[]", "no `deployment`"),
    ],
)
def test_an_unreadable_export_is_a_usage_error_without_traceback(tmp_path, content, expected):
    path = tmp_path / "state.json"
    path.write_text(content)
    result = check_state(path)
    assert result.exit_code == 2
    assert expected in result.stderr and "Traceback" not in result.output


def test_a_missing_export_file_is_a_usage_error(tmp_path):
    result = check_state(tmp_path / "nope.json")
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_a_binary_file_is_a_usage_error(tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert check_state(path).exit_code == 2


def test_a_secret_in_clear_in_the_outputs_is_exposed_too(exported, tmp_path):
    export = exported("staging-kms")
    item = entry(export, "secretV1:SecretV1", "ca-key")
    assert "ciphertext" in json.dumps(item["inputs"]["payload"])
    item["outputs"]["payload"] = PEM
    result = check_state(write(export, tmp_path / "state.json"))
    assert result.exit_code == 1
    assert ("secrets-no-plaintext", item["urn"]) in {
        (v["policy"], v["urn"]) for v in mandatory(result)
    }


def test_an_unencrypted_volume_whose_provider_is_missing_still_fails(exported, tmp_path):
    export = exported("staging-compute")
    item = entry(export, "volume:Volume", "data")
    item.pop("provider")
    set_property(item, "volumeType", "high-speed")
    result = check_state(write(export, tmp_path / "state.json"))
    assert result.exit_code == 1
    assert ("encryption-volume-luks", item["urn"]) in {
        (v["policy"], v["urn"]) for v in mandatory(result)
    }


def test_a_secret_the_provider_keeps_only_in_outputs_is_not_a_program_setting(exported, tmp_path):
    """A deployed instance's state carries the provider's encrypted (empty) adminPass output."""
    document = exported("local-compute")
    for resource in document["deployment"]["resources"]:
        if resource["type"] == "openstack:compute/instance:Instance":
            resource["outputs"]["adminPass"] = {SIG_KEY: SECRET_SIG, "ciphertext": "v1:x:y"}
    result = check_state(write(document, tmp_path / "state.json"))
    assert result.exit_code == 0, result.stdout
    assert mandatory(result) == []


def test_an_admin_password_the_program_set_still_fails_in_state(exported, tmp_path):
    document = exported("local-compute")
    instance = next(
        r
        for r in document["deployment"]["resources"]
        if r["type"] == "openstack:compute/instance:Instance"
    )
    secret = {SIG_KEY: SECRET_SIG, "ciphertext": "v1:x:y"}
    instance["inputs"]["adminPass"] = secret
    instance["outputs"]["adminPass"] = secret
    result = check_state(write(document, tmp_path / "state.json"))
    assert result.exit_code == 1
    assert {(v["policy"], v["urn"]) for v in mandatory(result)} == {
        ("secrets-no-admin-password", instance["urn"])
    }
