"""`hubctl check --state`: the same rules on a `pulumi stack export` file.

Each export is built from a shipped stack as synthesized (so it is what deploying the real
program would record), then one property of one resource is changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner, Result

from hubcore.paths import REPO_ROOT
from hubcore.wire import SECRET_SIG, SIG_KEY
from hubctl.cli import app
from tests.policies.exports import entry, export_of, set_property, write

runner = CliRunner()
# A real ECDSA P-384 key: the crypto rules read key material, and judge what they cannot parse.
PEM = (
    ec.generate_private_key(ec.SECP384R1())
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode()
)


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
        (
            '{"version": 3, "deployment": {"resources": [{"urn": 1}]}}',
            "deployment.resources[0].urn",
        ),
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


# Malformed exports: exit 2 with the JSON path, never a traceback, never a silent skip.

RESOURCE = "deployment.resources[2]"


def _set(path: str, value):
    """A mutation of resource 2 (a custom resource of staging-kms) or of the deployment."""

    def apply(document):
        if path.startswith("deployment."):
            document["deployment"][path.removeprefix("deployment.")] = value
        else:
            document["deployment"]["resources"][2][path] = value

    return apply


MALFORMED = [
    ("null deployment", lambda d: d.__setitem__("deployment", None), "deployment"),
    ("resources not a list", _set("deployment.resources", {"a": 1}), "deployment.resources"),
    (
        "resource not an object",
        lambda d: d["deployment"]["resources"].__setitem__(2, "x"),
        RESOURCE,
    ),
    ("provider a number", _set("provider", 3), f"{RESOURCE}.provider"),
    ("provider not a reference", _set("provider", "openstack"), f"{RESOURCE}.provider"),
    ("urn a list", _set("urn", ["urn:pulumi:x"]), f"{RESOURCE}.urn"),
    ("urn not a urn", _set("urn", "arn:aws:s3:::bucket"), f"{RESOURCE}.urn"),
    ("type a number", _set("type", 7), f"{RESOURCE}.type"),
    ("type not the urn's", _set("type", "zzz:foo/bar:Baz"), f"{RESOURCE}.type"),
    ("inputs a list", _set("inputs", [1, 2]), f"{RESOURCE}.inputs"),
    ("outputs text", _set("outputs", "x"), f"{RESOURCE}.outputs"),
    ("dependencies text", _set("propertyDependencies", "x"), f"{RESOURCE}.propertyDependencies"),
    (
        "dependency not urns",
        _set("propertyDependencies", {"a": [1]}),
        f"{RESOURCE}.propertyDependencies.a[0]",
    ),
    ("parent a number", _set("parent", 5), f"{RESOURCE}.parent"),
    ("id an object", _set("id", {}), f"{RESOURCE}.id"),
    ("custom text", _set("custom", "yes"), f"{RESOURCE}.custom"),
    (
        "secrets provider text",
        _set("deployment.secrets_providers", "x"),
        "deployment.secrets_providers",
    ),
    (
        "secret with both forms",
        lambda d: d["deployment"]["resources"][2]["inputs"].__setitem__(
            "x", {SIG_KEY: SECRET_SIG, "ciphertext": "v1:a:b", "plaintext": '"b"'}
        ),
        f"{RESOURCE}.inputs.x",
    ),
    (
        "secret with neither",
        lambda d: d["deployment"]["resources"][2]["inputs"].__setitem__("x", {SIG_KEY: SECRET_SIG}),
        f"{RESOURCE}.inputs.x",
    ),
    (
        "plaintext not JSON",
        lambda d: d["deployment"]["resources"][2]["outputs"].__setitem__(
            "x", {SIG_KEY: SECRET_SIG, "plaintext": "{oops"}
        ),
        f"{RESOURCE}.outputs.x.plaintext",
    ),
    (
        "unknown signature",
        lambda d: d["deployment"]["resources"][2]["inputs"].__setitem__("x", {SIG_KEY: "nope"}),
        f"{RESOURCE}.inputs.x",
    ),
    (
        "two resources with one urn",
        lambda d: d["deployment"]["resources"].append(dict(d["deployment"]["resources"][2])),
        "deployment.resources[",
    ),
    (
        "two stacks in one export",
        lambda d: d["deployment"]["resources"][2].update(
            urn=d["deployment"]["resources"][2]["urn"].replace("staging-kms", "other-kms", 1)
        ),
        f"{RESOURCE}.urn",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_a_malformed_export_names_the_json_path(exported, tmp_path, mutate, path):
    document = exported("staging-kms")
    mutate(document)
    result = check_state(write(document, tmp_path / "state.json"))
    assert result.exit_code == 2, result.stdout
    assert f": {path}" in result.stderr, result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


@pytest.mark.parametrize(
    ("content", "path"),
    [
        ('{"version": 3, "deployment": {"resources": []}, "version": 3}', "the document"),
        (
            '{"version": 3, "deployment": {"resources": [' + "[" * 5000 + "]" * 5000 + "]}}",
            "deployment.resources[0][0]",
        ),
        (
            '{"version": 3, "deployment": {"resources": [{"a": ' + "[" * 80 + "]" * 80 + "}]}}",
            "deployment.resources[0].a[0]",
        ),
        (
            '{"version": 3, "deployment": {"resources": [' + "9" * 5000 + "]}}",
            "deployment.resources[0]",
        ),
        ('{"version": 3, "deployment": {"resources": [1e999]}}', "deployment.resources[0]"),
        ('{"version": 3, "deployment": {"resources": [NaN]}}', "deployment.resources[0]"),
        ('{"version": 3, "deployment": {"x": "\\ud800"}}', "deployment.x"),
    ],
    ids=[
        "duplicate key",
        "deep nesting",
        "nesting past the bound",
        "huge integer",
        "huge float",
        "NaN",
        "lone surrogate",
    ],
)
def test_json_the_pack_must_not_guess_at_is_refused_with_its_path(tmp_path, content, path):
    file = tmp_path / "state.json"
    file.write_text(content)
    result = check_state(file)
    assert result.exit_code == 2
    assert f": {path}" in result.stderr and "Traceback" not in result.output


def test_non_utf8_bytes_are_refused_with_their_line(tmp_path):
    file = tmp_path / "state.json"
    file.write_bytes(b'{"version": 3,\n "deployment": {"x": "caf\xe9"}}')
    result = check_state(file)
    assert result.exit_code == 2 and "state.json:2: not UTF-8" in result.stderr


def test_a_resource_pending_deletion_is_judged_too(exported, tmp_path):
    export = exported("staging-compute")
    item = entry(export, "volume:Volume", "data")
    item["delete"] = True
    set_property(item, "volumeType", "classic")
    result = check_state(write(export, tmp_path / "state.json"))
    assert result.exit_code == 1
    assert ("encryption-volume-luks", item["urn"]) in {
        (v["policy"], v["urn"]) for v in mandatory(result)
    }


def test_a_resource_of_a_pending_operation_is_judged_too(exported, tmp_path):
    export = exported("staging-compute")
    item = json.loads(json.dumps(entry(export, "volume:Volume", "data")))
    item["urn"] = item["urn"].replace("::data", "::extra-data")
    set_property(item, "volumeType", "classic")
    export["deployment"]["pending_operations"] = [{"resource": item, "type": "creating"}]
    result = check_state(write(export, tmp_path / "state.json"))
    assert result.exit_code == 1
    assert ("encryption-volume-luks", item["urn"]) in {
        (v["policy"], v["urn"]) for v in mandatory(result)
    }


def test_a_plaintext_secret_is_judged_on_its_value(exported, tmp_path):
    """`pulumi stack export --show-secrets` writes secrets in clear: rules judge their value."""
    export = exported("staging-compute")
    set_property(entry(export, "volume:Volume", "data"), "volumeType", "classic", secret=True)
    result = check_state(write(export, tmp_path / "state.json"))
    assert result.exit_code == 1
    assert "encryption-volume-luks" in {v["policy"] for v in mandatory(result)}


# Decrypting a passphrase-encrypted export. The salt is the one `pulumi stack init` wrote for the
# local stacks with their published passphrase (scripts/toolchain env), so the key derivation is
# checked against the real CLI's; tests/engine/test_state_decrypt.py decrypts real ciphertext.

LOCAL_PASSPHRASE = "local-only-not-a-secret"


def _local_salt() -> str:
    import yaml

    text = (REPO_ROOT / "stacks/Pulumi.local-network.yaml").read_text()
    return str(yaml.safe_load(text)["encryptionsalt"])


def _encrypt(plaintext: str, salt_state: str, passphrase: str) -> str:
    """Pulumi's symmetricCrypter.EncryptValue, written out from its Go source."""
    import base64
    import hashlib
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt = base64.b64decode(salt_state.split(":")[1])
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, 1_000_000, 32)
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"


@pytest.fixture
def encrypted_export(exported):
    salt = _local_salt()
    export = exported("staging-compute")
    export["deployment"]["secrets_providers"] = {"type": "passphrase", "state": {"salt": salt}}
    item = entry(export, "volume:Volume", "data")
    cipher = _encrypt(json.dumps("classic"), salt, LOCAL_PASSPHRASE)
    for side in ("inputs", "outputs"):
        item[side]["volumeType"] = {SIG_KEY: SECRET_SIG, "ciphertext": cipher}
    return export, item


def test_with_the_passphrase_a_ciphertext_is_judged_on_its_value(encrypted_export, tmp_path):
    export, item = encrypted_export
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(LOCAL_PASSPHRASE + "\n")
    path = write(export, tmp_path / "state.json")
    result = check_state(path, "--passphrase-file", str(passphrase))
    assert result.exit_code == 1, result.output
    assert ("encryption-volume-luks", item["urn"]) in {
        (v["policy"], v["urn"]) for v in mandatory(result)
    }


def test_a_wrong_passphrase_is_refused_naming_the_salt(encrypted_export, tmp_path):
    export, _ = encrypted_export
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("wrong")
    result = check_state(
        write(export, tmp_path / "state.json"), "--passphrase-file", str(passphrase)
    )
    assert result.exit_code == 2
    assert "deployment.secrets_providers.state.salt: incorrect passphrase" in result.stderr


def test_a_passphrase_for_an_export_of_another_provider_is_refused(exported, tmp_path):
    export = exported("staging-kms")
    export["deployment"]["secrets_providers"] = {"type": "hashivault", "state": {}}
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(LOCAL_PASSPHRASE)
    result = check_state(
        write(export, tmp_path / "state.json"), "--passphrase-file", str(passphrase)
    )
    assert result.exit_code == 2 and "passphrase provider only" in result.stderr


def test_decrypt_without_a_passphrase_in_the_environment_is_a_usage_error(
    encrypted_export, tmp_path, monkeypatch
):
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    export, _ = encrypted_export
    result = check_state(write(export, tmp_path / "state.json"), "--decrypt")
    assert result.exit_code == 2 and "PULUMI_CONFIG_PASSPHRASE" in result.stderr


def test_decrypt_uses_the_passphrase_variable(encrypted_export, tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", LOCAL_PASSPHRASE)
    export, _ = encrypted_export
    result = check_state(write(export, tmp_path / "state.json"), "--decrypt")
    assert result.exit_code == 1


def test_an_export_of_a_stack_whose_files_are_broken_is_refused(exported, tmp_path, monkeypatch):
    """Judged without its site facts (production, DR site) it could pass what they forbid."""
    import shutil

    export = write(exported("staging-kms"), tmp_path / "state.json")
    stacks = tmp_path / "stacks"
    shutil.copytree(REPO_ROOT / "stacks", stacks)
    (stacks / "Pulumi.staging-kms.yaml").write_text("config:\n  hub:owner: a\n  hub:owner: b\n")
    monkeypatch.setenv("HUB_STACKS_DIR", str(stacks))
    result = check_state(export)
    assert result.exit_code == 2
    assert "stack 'staging-kms', whose stack files cannot be read" in result.stderr
    assert "Pulumi.staging-kms.yaml:3" in result.stderr
