"""Encryption and secrets families."""

from __future__ import annotations

import pytest

from policies.model import Status
from tests.policies.conftest import REMOVE, failures, find, mutate, statuses

VOLUME = "volume:Volume"
CONTAINER = "container:Container"
SECRET = "secretV1:SecretV1"
PEM = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI...\n-----END EC PRIVATE KEY-----\n"


@pytest.mark.parametrize("stack", ["prod-compute", "staging-compute", "local-compute"])
def test_shipped_volumes_use_luks_types_of_their_region(target, stack):
    compute = target(stack)
    volumes = [v for v in compute.resources if v.type.endswith(VOLUME)]
    assert volumes
    assert all(statuses("encryption-volume-luks", compute, v) == {Status.PASS} for v in volumes)


@pytest.mark.parametrize("volume_type", ["high-speed", "classic", "classic-multiattach"])
def test_an_unencrypted_volume_type_fails_listing_the_luks_types(target, volume_type):
    compute = target("staging-compute")
    changed, volume = mutate(compute, find(compute, VOLUME, "data"), volumeType=volume_type)
    [message] = failures("encryption-volume-luks", changed, volume)
    assert f"'{volume_type}'" in message and "high-speed-luks" in message


def test_a_volume_without_type_fails_because_the_default_is_not_encrypted(target):
    compute = target("staging-compute")
    changed, volume = mutate(compute, find(compute, VOLUME, "boot"), volumeType=REMOVE)
    [message] = failures("encryption-volume-luks", changed, volume)
    assert "default type" in message


def test_a_luks_name_the_region_does_not_offer_fails(target):
    compute = target("staging-compute")
    changed, volume = mutate(
        compute, find(compute, VOLUME, "data"), region="CA-EAST-TOR", volumeType="classic-luks"
    )
    [message] = failures("encryption-volume-luks", changed, volume)
    assert "CA-EAST-TOR" in message and "none" in message


def test_private_containers_pass(target):
    storage = target("prod-storage")
    containers = [v for v in storage.resources if v.type.endswith(CONTAINER)]
    assert containers
    assert all(
        statuses("encryption-container-private", storage, c) == {Status.PASS} for c in containers
    )


@pytest.mark.parametrize(
    ("field", "acl"),
    [
        ("containerRead", ".r:*"),
        ("containerRead", ".r:*,.rlistings"),
        ("containerRead", ".rlistings"),
        ("containerWrite", "*:*"),
        ("containerRead", "project-a:alice,.r:example.org"),
    ],
)
def test_a_container_open_beyond_the_project_fails(target, field, acl):
    storage = target("prod-storage")
    changed, container = mutate(storage, find(storage, CONTAINER, "dataset"), **{field: acl})
    [message] = failures("encryption-container-private", changed, container)
    assert field in message


def test_an_acl_naming_a_project_and_user_passes(target):
    storage = target("prod-storage")
    changed, container = mutate(
        storage, find(storage, CONTAINER, "backups"), containerRead="3f2a8c:backup-reader"
    )
    assert statuses("encryption-container-private", changed, container) == {Status.PASS}


def test_shipped_secret_material_is_always_a_pulumi_secret(target):
    kms = target("prod-kms")
    judged = [v for v in kms.resources if v.package in {"openstack", "tls"} or v.is_provider]
    assert all(failures("secrets-no-plaintext", kms, v) == [] for v in judged)


def test_a_barbican_payload_in_clear_fails(target):
    kms = target("prod-kms")
    changed, secret = mutate(kms, find(kms, SECRET, "ca-key"), payload=PEM)
    [message] = failures("secrets-no-plaintext", changed, secret)
    assert "'payload'" in message


def test_a_certificate_payload_in_clear_is_public_and_passes(target):
    kms = target("prod-kms")
    changed, certificate = mutate(
        kms, find(kms, SECRET, "ca-cert"), payload="-----BEGIN CERTIFICATE-----\nMIIB...\n"
    )
    assert certificate.get("secretType") == "certificate" and not certificate.is_secret("payload")
    assert statuses("secrets-no-plaintext", changed, certificate) == {Status.PASS}


def test_a_provider_password_in_clear_fails(target):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, "providers:openstack"), password="hunter2")
    assert failures("secrets-no-plaintext", changed, provider)


def test_a_private_key_pasted_into_any_input_fails(target):
    compute = target("staging-compute")
    changed, instance = mutate(compute, find(compute, "instance:Instance"), metadata={"note": PEM})
    [message] = failures("secrets-no-plaintext", changed, instance)
    assert "metadata.note" in message


def test_the_same_value_as_a_pulumi_secret_passes(target):
    kms = target("prod-kms")
    changed, secret = mutate(
        kms, find(kms, SECRET, "ca-key"), payload="[secret]", secret=("payload",)
    )
    assert statuses("secrets-no-plaintext", changed, secret) == {Status.PASS}


def test_instances_without_admin_password_pass(target):
    compute = target("prod-compute")
    instances = [v for v in compute.resources if v.type.endswith("instance:Instance")]
    assert instances
    assert all(
        statuses("secrets-no-admin-password", compute, i) == {Status.PASS} for i in instances
    )


@pytest.mark.parametrize("secret", [(), ("adminPass",)])
def test_an_admin_password_fails_even_as_a_secret(target, secret):
    compute = target("prod-compute")
    changed, instance = mutate(
        compute,
        find(compute, "instance:Instance"),
        adminPass="[secret]" if secret else "S3cret!",
        secret=secret,
    )
    assert failures("secrets-no-admin-password", changed, instance)
