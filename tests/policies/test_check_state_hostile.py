"""`hubctl check --state` on hostile exports of the classes issue 10 names: each unsafe case
exits 1 with a mandatory violation on the offending URN; the unchanged export passes.

Each export is what deploying a shipped stack records, with one property changed or one
resource added, in the encodings a real `pulumi stack export` uses (provider settings as JSON
text, secrets as ciphertext, unknowns as the engine's sentinel).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from hubcore.wire import SECRET_SIG, SIG_KEY, UNKNOWN
from hubctl.cli import app
from tests.policies.exports import entry, export_of, set_property, write

runner = CliRunner()


def check_state(path: Path) -> Result:
    return runner.invoke(app, ["check", "--state", str(path), "--format", "json"])


def findings(result: Result) -> set[tuple[str, str]]:
    return {
        (v["policy"], v["urn"])
        for v in json.loads(result.stdout)["violations"]
        if v["enforcement"] == "mandatory"
    }


def ciphertext() -> dict[str, str]:
    return {SIG_KEY: SECRET_SIG, "ciphertext": "v1:opaque"}


def added(export: dict[str, Any], type_: str, name: str, provider: str | None, **inputs: Any):
    stack = export["deployment"]["resources"][0]["urn"].split("::")[0].removeprefix("urn:pulumi:")
    item: dict[str, Any] = {
        "urn": f"urn:pulumi:{stack}::hub::{type_}::{name}",
        "custom": True,
        "type": type_,
        "id": f"{name}-id",
        "inputs": inputs,
        "outputs": copy.deepcopy(inputs),
    }
    if provider:
        item["provider"] = provider
    export["deployment"]["resources"].append(item)
    return item


def provider_ref(item: dict[str, Any]) -> str:
    return f"{item['urn']}::{item.get('id', 'x')}"


@pytest.fixture
def exported(synth):
    return lambda stack: export_of(synth(stack))


def test_the_unchanged_exports_pass(exported, tmp_path):
    for stack in ("staging-network", "prod-network", "prod-compute", "prod-storage"):
        result = check_state(write(exported(stack), tmp_path / f"{stack}.json"))
        assert result.exit_code == 0, (stack, result.stdout)


def test_an_aws_provider_in_us_east_1_with_a_bucket(exported, tmp_path):
    export = exported("staging-network")
    aws = added(export, "pulumi:providers:aws", "aws", None, region="us-east-1")
    bucket = added(export, "aws:s3/bucket:BucketV2", "exports", provider_ref(aws))
    result = check_state(write(export, tmp_path / "s.json"))
    assert result.exit_code == 1
    assert {
        ("region-foreign-cloud", aws["urn"]),
        ("region-foreign-cloud", bucket["urn"]),
        ("inventory-known-type", bucket["urn"]),
    } <= findings(result)


def test_a_gcp_bucket_located_in_us(exported, tmp_path):
    export = exported("staging-network")
    gcp = added(export, "pulumi:providers:gcp", "gcp", None, project="p")
    bucket = added(export, "gcp:storage/bucket:Bucket", "b", provider_ref(gcp), location="US")
    result = check_state(write(export, tmp_path / "s.json"))
    assert ("region-foreign-cloud", bucket["urn"]) in findings(result)


def test_a_provider_reference_that_points_at_nothing(exported, tmp_path):
    export = exported("staging-compute")
    volume = entry(export, "volume:Volume", "data")
    volume["provider"] = "urn:pulumi:staging-compute::hub::pulumi:providers:openstack::gone::x"
    result = check_state(write(export, tmp_path / "s.json"))
    assert ("inventory-provider-resolved", volume["urn"]) in findings(result)


@pytest.mark.parametrize("value", [ciphertext(), UNKNOWN])
def test_a_region_that_cannot_be_read(exported, tmp_path, value):
    export = exported("staging-network")
    provider = entry(export, "providers:openstack")
    for side in ("inputs", "outputs"):
        provider[side]["region"] = value
    result = check_state(write(export, tmp_path / "s.json"))
    assert ("region-eu-only", provider["urn"]) in findings(result)


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("insecure", "true", "endpoints-transport-security"),
        ("authUrl", "http://auth.cloud.ovh.net/v3", "endpoints-transport-security"),
        ("region", " GRA11", "region-eu-only"),
        ("region", "gra11", "region-eu-only"),
        (
            "endpointOverrides",
            '{"object-store":"https://s3.evil.example"}',
            "endpoints-catalogue-provider",
        ),
        ("cloud", "no-such-cloud", "endpoints-cloud-entry"),
    ],
)
def test_provider_settings_as_the_state_records_them(
    exported, tmp_path, key, value, rule, monkeypatch
):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "absent.yaml"))
    export = exported("staging-network")
    provider = entry(export, "providers:openstack")
    set_property(provider, key, value)
    result = check_state(write(export, tmp_path / "s.json"))
    assert result.exit_code == 1
    assert (rule, provider["urn"]) in findings(result)


@pytest.mark.parametrize(
    ("type_suffix", "name", "key", "value", "rule"),
    [
        (
            "container:Container",
            "dataset",
            "containerRead",
            ".referrer: *",
            "encryption-container-private",
        ),
        (
            "container:Container",
            "dataset",
            "containerRead",
            "%2A:%2A",
            "encryption-container-private",
        ),
        (
            "secGroupRule:SecGroupRule",
            "admin-in-22-operators",
            "remoteIpPrefix",
            "0.0.0.0/1",
            "exposure-admin-port-ssh",
        ),
        (
            "secGroupRule:SecGroupRule",
            "admin-in-22-operators",
            "protocol",
            "TCP ",
            "exposure-world-ingress",
        ),
        (
            "secGroup:SecGroup",
            "app",
            "deleteDefaultRules",
            False,
            "exposure-default-security-group",
        ),
        ("network:Network", "net", "portSecurityEnabled", False, "exposure-port-security-disabled"),
    ],
)
def test_spellings_and_paths_of_the_network_and_storage(
    exported, tmp_path, type_suffix, name, key, value, rule
):
    stack = "prod-storage" if type_suffix.startswith("container") else "prod-network"
    export = exported(stack)
    item = entry(export, type_suffix, name)
    set_property(item, key, value)
    result = check_state(write(export, tmp_path / "s.json"))
    assert result.exit_code == 1, result.stdout
    assert (rule, item["urn"]) in findings(result)


def test_an_inline_block_device_and_user_data_with_a_password(exported, tmp_path):
    export = exported("prod-compute")
    instance = entry(export, "instance:Instance", "app-0")
    device = {"sourceType": "image", "destinationType": "local", "uuid": "debian-12"}
    set_property(instance, "blockDevices", [device])
    other = entry(export, "instance:Instance", "data-0")
    set_property(other, "userData", other["inputs"]["userData"] + "\nchpasswd: {list: 'root:pw'}\n")
    set_property(other, "tags", [*other["inputs"]["tags"], "password=hunter2"])
    result = check_state(write(export, tmp_path / "s.json"))
    assert {
        ("encryption-instance-block-device", instance["urn"]),
        ("secrets-embedded-credentials", other["urn"]),
    } <= findings(result)


def test_a_type_outside_the_inventory(exported, tmp_path):
    export = exported("staging-network")
    provider = entry(export, "providers:openstack")
    zone = added(export, "openstack:dns/zone:Zone", "z", provider_ref(provider), ttl=300)
    result = check_state(write(export, tmp_path / "s.json"))
    assert ("inventory-known-type", zone["urn"]) in findings(result)
