"""The paths no rule used to look at: instance disks, provider transport and clouds.yaml,
endpoint overrides, credentials inside strings, DR failure domains, the local cloud."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hubctl.cli import app
from policies.evaluate import Target
from policies.model import ResourceView, Status
from tests.policies.conftest import REMOVE, failures, find, mutate, statuses, with_config

PROVIDER = "providers:openstack"
INSTANCE = "instance:Instance"
runner = CliRunner()


# --- instance block devices ------------------------------------------------------------------


def devices(compute: Target, **change: Any) -> tuple[Target, ResourceView]:
    instance = find(compute, INSTANCE)
    return mutate(
        compute, instance, blockDevices=[{**instance.inputs["blockDevices"][0], **change}]
    )


def test_shipped_instances_boot_from_luks_volumes_of_the_stack(target):
    compute = target("prod-compute")
    for instance in (r for r in compute.resources if r.type.endswith(INSTANCE)):
        assert statuses("encryption-instance-block-device", compute, instance) == {Status.PASS}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"sourceType": "image", "destinationType": "volume", "volumeType": "high-speed"},
            "not an encrypted",
        ),
        (
            {"sourceType": "image", "destinationType": "volume", "volumeType": REMOVE},
            "default type",
        ),
        ({"sourceType": "image", "destinationType": "local"}, "local disk"),
        ({"sourceType": "blank", "destinationType": ""}, "local disk"),
        ({"sourceType": "floppy"}, "source_type"),
    ],
)
def test_inline_and_local_block_devices_fail(target, change, expected):
    compute = target("prod-compute")
    changed, instance = devices(compute, **{k: v for k, v in change.items() if v is not REMOVE})
    if change.get("volumeType") is REMOVE:
        device = {k: v for k, v in instance.inputs["blockDevices"][0].items() if k != "volumeType"}
        changed, instance = mutate(changed, instance, blockDevices=[device])
    [message] = failures("encryption-instance-block-device", changed, instance)
    assert expected in message


def test_an_inline_volume_of_a_luks_type_of_the_region_passes(target):
    compute = target("prod-compute")
    changed, instance = devices(
        compute, sourceType="image", destinationType="volume", volumeType="high-speed-luks"
    )
    assert statuses("encryption-instance-block-device", changed, instance) == {Status.PASS}


def test_an_instance_without_block_devices_boots_on_the_local_disk(target):
    compute = target("prod-compute")
    changed, instance = mutate(
        compute, find(compute, INSTANCE), blockDevices=REMOVE, imageName="Debian 12"
    )
    [message] = failures("encryption-instance-block-device", changed, instance)
    assert "local disk" in message


def test_a_volume_the_stack_does_not_declare_fails_when_dependencies_are_known(target):
    compute = target("prod-compute")
    changed, instance = devices(compute, uuid="a-volume-of-nobody")
    known = dataclasses.replace(instance, dependencies_known=True)
    changed = dataclasses.replace(
        changed, resources=[known if r.urn == instance.urn else r for r in changed.resources]
    )
    [message] = failures("encryption-instance-block-device", changed, known)
    assert "does not declare" in message


# --- provider transport, endpoint overrides ---------------------------------------------------


@pytest.mark.parametrize("value", [True, "true", "1", "True", "t"])
def test_insecure_in_any_spelling_the_provider_accepts_fails(target, value):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), insecure=value)
    assert failures("endpoints-transport-security", changed, provider)


def test_insecure_false_passes_and_nonsense_fails_closed(target):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), insecure="false")
    assert statuses("endpoints-transport-security", changed, provider) == {Status.PASS}
    changed, provider = mutate(staging, find(staging, PROVIDER), insecure="maybe")
    assert failures("endpoints-transport-security", changed, provider)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://auth.cloud.ovh.net/v3", "plain http"),
        ("https://admin:hunter2@auth.cloud.ovh.net/v3", "credentials inside the URL"),
    ],
)
def test_weak_transport_on_the_identity_endpoint_fails(target, url, expected):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), authUrl=url)
    messages = failures("endpoints-transport-security", changed, provider)
    assert any(expected in m for m in messages)
    assert all("hunter2" not in m for m in messages)


def test_plain_http_to_loopback_is_for_the_local_site_only(target):
    local = target("local-network")
    assert statuses("endpoints-transport-security", local, find(local, PROVIDER)) == {Status.PASS}
    staging = target("staging-network")
    changed, provider = mutate(
        staging, find(staging, PROVIDER), authUrl="http://127.0.0.1:5000/v3", region="LOCAL1"
    )
    assert failures("endpoints-transport-security", changed, provider)
    assert failures("endpoints-loopback-local-only", changed, provider)


def test_a_name_that_starts_like_loopback_is_not_loopback(target):
    local = target("local-network")
    changed, provider = mutate(
        local, find(local, PROVIDER), authUrl="http://127.0.0.1.example.com/v3"
    )
    assert failures("endpoints-loopback-local-only", changed, provider)


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ('{"object-store": "https://evil.example/v1"}', "endpoints-catalogue-provider"),
        (
            '{"object-store": "https://s3.us-east-va.io.cloud.ovh.us"}',
            "endpoints-catalogue-provider",
        ),
        ('{"object-store": "http://s3.gra.io.cloud.ovh.net"}', "endpoints-transport-security"),
        ({"object-store": "https://evil.example/v1"}, "endpoints-catalogue-provider"),
        ('{"object-store": 7}', "endpoints-catalogue-provider"),
        ("not json", "endpoints-catalogue-provider"),
    ],
)
def test_endpoint_overrides_as_the_sdk_encodes_them_are_judged(target, overrides, rule):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), endpointOverrides=overrides)
    assert failures(rule, changed, provider)


def test_an_override_of_the_region_s_own_operator_passes(target):
    staging = target("staging-network")
    overrides = '{"object-store": "https://storage.gra.cloud.ovh.net/v1"}'
    changed, provider = mutate(staging, find(staging, PROVIDER), endpointOverrides=overrides)
    assert statuses("endpoints-catalogue-provider", changed, provider) == {Status.PASS}


# --- clouds.yaml ------------------------------------------------------------------------------


@pytest.fixture
def clouds(tmp_path: Path, monkeypatch):
    def write(entries: dict) -> Path:
        path = tmp_path / "clouds.yaml"
        path.write_text(json.dumps({"clouds": entries}), encoding="utf-8")
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
        monkeypatch.delenv("OS_CLIENT_SECURE_FILE", raising=False)
        return path

    yield write


def on_cloud(target, name: str):
    staging = target("staging-network")
    return mutate(staging, find(staging, PROVIDER), cloud=name, region=REMOVE, authUrl=REMOVE)


EU_AUTH = "https://auth.cloud.ovh.net/v3"


def test_a_clouds_yaml_entry_is_judged_like_inline_settings(target, clouds):
    clouds({"hub": {"region_name": "GRA11", "auth": {"auth_url": "https://auth.cloud.ovh.net/v3"}}})
    changed, provider = on_cloud(target, "hub")
    for rule in ("region-eu-only", "region-identity-endpoint-eu", "endpoints-cloud-entry"):
        assert statuses(rule, changed, provider) == {Status.PASS}, rule


@pytest.mark.parametrize(
    ("entry", "rule"),
    [
        (
            {"region_name": "UK1", "auth": {"auth_url": "https://auth.cloud.ovh.net/v3"}},
            "region-eu-only",
        ),
        (
            {"region_name": "GRA11", "auth": {"auth_url": "https://auth.us.cloud.ovh.us/v3"}},
            "region-identity-endpoint-eu",
        ),
        (
            {
                "region_name": "GRA11",
                "verify": False,
                "auth": {"auth_url": "https://auth.cloud.ovh.net/v3"},
            },
            "endpoints-transport-security",
        ),
        (
            {"region_name": "GRA11", "auth": {"auth_url": "http://auth.cloud.ovh.net/v3"}},
            "endpoints-transport-security",
        ),
        (
            {"region_name": "GRA11", "verify": "no", "auth": {"auth_url": EU_AUTH}},
            "endpoints-transport-security",
        ),
        (
            {"region_name": "GRA11", "verify": "maybe", "auth": {"auth_url": EU_AUTH}},
            "endpoints-cloud-entry",
        ),
    ],
)
def test_unsafe_clouds_yaml_settings_fail_like_inline_ones(target, clouds, entry, rule):
    clouds({"hub": entry})
    changed, provider = on_cloud(target, "hub")
    assert failures(rule, changed, provider)


def test_a_clouds_yaml_entry_that_cannot_be_found_fails_closed(target, clouds):
    clouds({"other": {"region_name": "GRA11"}})
    changed, provider = on_cloud(target, "hub")
    [message] = failures("endpoints-cloud-entry", changed, provider)
    assert "no entry 'hub'" in message


def test_an_unreadable_clouds_yaml_fails_closed(target, clouds, tmp_path):
    path = clouds({})
    path.write_bytes(b"\xff\xfe not yaml")
    changed, provider = on_cloud(target, "hub")
    assert failures("endpoints-cloud-entry", changed, provider)


# --- credentials inside strings ----------------------------------------------------------------


def user_data_with(compute, extra: str, encode=None):
    instance = find(compute, INSTANCE)
    text = instance.inputs["userData"] + extra
    return mutate(compute, instance, userData=encode(text) if encode else text)


@pytest.mark.parametrize(
    "encode",
    [
        None,
        lambda t: base64.b64encode(t.encode()).decode(),
        lambda t: base64.b64encode(gzip.compress(t.encode())).decode(),
    ],
)
def test_a_password_in_user_data_is_found_however_cloud_init_would_decode_it(target, encode):
    compute = target("prod-compute")
    changed, instance = user_data_with(
        compute, "chpasswd:\n  users:\n  - {name: root, password: Sup3r}\n", encode
    )
    [message] = failures("secrets-embedded-credentials", changed, instance)
    assert "Sup3r" not in message and "userData" in message


def test_shipped_user_data_metadata_and_tags_carry_no_credential(target):
    for stack in ("prod-compute", "prod-kms", "local-compute"):
        built = target(stack)
        for view in built.resources:
            assert statuses("secrets-embedded-credentials", built, view) <= {Status.PASS}, view.urn


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tags", ["site=prod", "password=hunter2"]),
        ("tags", ["site=prod", "db_token: abc123"]),
        ("metadata", {"role": "app", "password": "hunter2"}),
        ("metadata", {"role": "app", "notes": ["ok", "AKIAABCDEFGHIJKLMNOP"]}),
        ("metadata", {"role": "app", "backup": "s3://user:pw@bucket.example/x"}),
    ],
)
def test_credentials_in_tags_and_metadata_fail_even_inside_lists(target, field, value):
    compute = target("prod-compute")
    changed, instance = mutate(compute, find(compute, INSTANCE), **{field: value})
    assert failures("secrets-embedded-credentials", changed, instance)


def test_secret_marked_tags_still_fail_offline_because_they_cannot_be_scanned(target):
    compute = target("prod-compute")
    changed, instance = mutate(compute, find(compute, INSTANCE), secret=("tags",), tags="[secret]")
    assert failures("secrets-embedded-credentials", changed, instance)


# --- DR failure domains ------------------------------------------------------------------------


def test_a_replica_in_the_same_city_fails(target):
    storage = target("prod-storage")
    changed = with_config(storage, hub__replicaRegion="EU-WEST-RBX-SNC")
    assert failures("stack-dr-distinct-region", changed)
    same_city = with_config(target("staging-storage"), hub__replicaRegion="GRA9")
    [message] = failures("stack-dr-distinct-region", same_city)
    assert "failure domain" in message


def test_the_shipped_pairings_and_the_local_drill_pass(target):
    for stack in ("prod-storage", "dr-network", "local-storage", "local-dr-network"):
        assert Status.FAIL not in statuses("stack-dr-distinct-region", target(stack)), stack


# --- the command line: unsafe settings reachable by config are violations, exit 1 --------------


@pytest.mark.parametrize(
    ("override", "rule"),
    [
        ("openstack:insecure=true", "endpoints-transport-security"),
        ("openstack:authUrl=http://auth.cloud.ovh.net/v3", "endpoints-transport-security"),
        (
            'openstack:endpointOverrides={"object-store":"https://evil.example/"}',
            "endpoints-catalogue-provider",
        ),
        ("openstack:cloud=no-such-entry", "endpoints-cloud-entry"),
        ("openstack:region=LOCAL1", "endpoints-loopback-local-only"),
    ],
)
def test_unsafe_provider_settings_given_with_c_exit_1_on_the_provider(
    override, rule, tmp_path, monkeypatch
):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "none.yaml"))
    result = runner.invoke(
        app, ["check", "--stack", "staging-network", "-c", override, "-f", "json"]
    )
    assert result.exit_code == 1, result.output
    found = [v for v in json.loads(result.stdout)["violations"] if v["policy"] == rule]
    assert found and all(v["enforcement"] == "mandatory" for v in found)
    assert all(v["urn"].endswith("$pulumi:providers:openstack::openstack") for v in found)


def test_a_region_written_oddly_is_deployed_as_the_catalogue_code(synth):
    result = synth("staging-network", openstack__region=" gra11 ")
    provider = next(r for r in result.resources if r.type == "pulumi:providers:openstack")
    assert provider.inputs["region"] == "GRA11"
