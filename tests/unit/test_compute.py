"""Compute layer: anti-affinity, encrypted volumes, hardened user data, no passwords."""

from __future__ import annotations

import pytest
import yaml

from synth.records import SynthResult
from tests.conftest import Synth, of_type


@pytest.fixture(scope="module")
def compute(synth: Synth) -> SynthResult:
    return synth("prod-compute")


def test_each_role_has_an_anti_affinity_server_group(compute: SynthResult) -> None:
    groups = {r.name: r.inputs["policies"] for r in of_type(compute, "serverGroup:ServerGroup")}
    assert groups == {
        "hub-prod-bastion": "anti-affinity",
        "hub-prod-app": "anti-affinity",
        "hub-prod-data": "anti-affinity",
    }


def test_instances_are_scheduled_in_their_role_group(compute: SynthResult) -> None:
    for instance in of_type(compute, "instance:Instance"):
        role = instance.inputs["metadata"]["role"]
        assert instance.inputs["schedulerHints"][0]["group"] == f"hub-prod-{role}-id", instance.urn


def test_instance_counts_follow_the_site_sizes(compute: SynthResult) -> None:
    roles = [i.inputs["metadata"]["role"] for i in of_type(compute, "instance:Instance")]
    assert sorted(roles) == sorted(["bastion"] * 2 + ["app"] * 3 + ["data"] * 3)


def test_every_volume_is_on_a_luks_type(compute: SynthResult) -> None:
    volumes = of_type(compute, "volume:Volume")
    assert len(volumes) == 8 + 3  # boot volumes and data volumes
    assert {v.inputs["volumeType"] for v in volumes} == {"high-speed-luks"}


def test_data_volumes_are_protected_and_retained(compute: SynthResult) -> None:
    data = [v for v in of_type(compute, "volume:Volume") if v.name.endswith("-data")]
    assert len(data) == 3
    assert all(v.protect and v.retain_on_delete for v in data)


def test_no_instance_has_an_admin_password(compute: SynthResult) -> None:
    for instance in of_type(compute, "instance:Instance"):
        assert "adminPass" not in instance.inputs, instance.urn


def test_every_instance_carries_site_tier_classification_and_owner(compute: SynthResult) -> None:
    for instance in of_type(compute, "instance:Instance"):
        metadata = instance.inputs["metadata"]
        assert {"site", "tier", "role", "classification", "owner"} <= metadata.keys(), instance.urn
        assert metadata["classification"] == "health-data"


def test_user_data_is_a_cloud_config_document(compute: SynthResult) -> None:
    for instance in of_type(compute, "instance:Instance"):
        user_data = instance.inputs["userData"]
        assert user_data.startswith("#cloud-config"), instance.urn
        assert isinstance(yaml.safe_load(user_data), dict)


def test_ports_sit_in_the_tier_of_their_role(compute: SynthResult) -> None:
    ports = {p.name: p.inputs for p in of_type(compute, "port:Port")}
    assert ports["hub-prod-data-0"]["securityGroupIds"] == ["prod-data-sg-id"]
    assert ports["hub-prod-data-0"]["fixedIps"][0]["subnetId"] == "prod-data-subnet-id"
    assert ports["hub-prod-bastion-0"]["securityGroupIds"] == ["prod-admin-sg-id"]


def test_compute_reads_network_and_kms_through_stack_references(compute: SynthResult) -> None:
    references = sorted(r.name for r in of_type(compute, "pulumi:StackReference"))
    assert references == ["organization/hub/prod-kms", "organization/hub/prod-network"]


def test_the_admin_keypair_comes_from_an_ecdsa_key(compute: SynthResult) -> None:
    (key,) = of_type(compute, "privateKey:PrivateKey")
    assert (key.inputs["algorithm"], key.inputs["ecdsaCurve"]) == ("ECDSA", "P256")
    (keypair,) = of_type(compute, "keypair:Keypair")
    assert keypair.inputs["publicKey"].startswith("ecdsa-sha2-nistp256")


def test_boot_volumes_are_kept_when_an_instance_is_deleted(compute: SynthResult) -> None:
    for instance in of_type(compute, "instance:Instance"):
        devices = instance.inputs["blockDevices"]
        assert devices[0]["bootIndex"] == 0, instance.urn
        assert all(d["deleteOnTermination"] is False for d in devices), instance.urn


def test_data_volumes_are_attached_at_boot_so_first_boot_can_mount_them(
    compute: SynthResult,
) -> None:
    for instance in of_type(compute, "instance:Instance"):
        devices = instance.inputs["blockDevices"]
        if instance.inputs["metadata"]["role"] == "data":
            assert [d["bootIndex"] for d in devices] == [0, -1], instance.urn
            assert devices[1]["uuid"] == f"{instance.name}-data-id"
        else:
            assert len(devices) == 1, instance.urn


def test_the_data_host_finds_its_volume_by_its_virtio_id(compute: SynthResult) -> None:
    data = next(i for i in of_type(compute, "instance:Instance") if i.name == "hub-prod-data-0")
    # The mocked volume id is "hub-prod-data-0-data-id"; the guest sees its first 20 characters.
    assert "device: /dev/disk/by-id/virtio-hub-prod-data-0-data\n" in data.inputs["userData"]


def test_hosts_use_the_site_package_proxy_when_one_is_set(synth: Synth) -> None:
    compute = synth("prod-compute", hub__aptProxy="http://10.10.250.10:3142")
    for instance in of_type(compute, "Instance"):
        document = yaml.safe_load(instance.inputs["userData"])
        assert document["apt"] == {"proxy": "http://10.10.250.10:3142"}, instance.urn


def test_hosts_have_no_proxy_setting_by_default(compute: SynthResult) -> None:
    for instance in of_type(compute, "Instance"):
        assert "apt" not in yaml.safe_load(instance.inputs["userData"]), instance.urn
