"""A drill's checks of the rebuilt layers (hubctl.drill.verify), against a stand-in cloud.

The stand-in holds what the rebuilt stacks' outputs name, each resource as good or as broken as
a test makes it, and raises as a cloud does for what it does not hold. Each test says which
checks pass and which fail, by name: a check that cannot fail, or that passes on a broken
resource, shows up here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from hubctl.cloud.api import (
    BundleReadBack,
    GroupReadBack,
    ReadBack,
    SubnetReadBack,
    VolumeReadBack,
)
from hubctl.cloud.openstack.rebuilt import ref_id
from hubctl.drill import verify
from hubctl.drill.model import Check, RestoredContainer

SECRET_REF = "https://kms.example/v1/secrets/0b0c3f53-4d0e-4d1c-9f38-0d1a7a3c5e11"
CA_REF = "https://kms.example/v1/secrets/7e3b0a2c-1f4e-4a55-8d1b-2c3d4e5f6a70"
BUNDLE_REF = "https://kms.example/v1/containers/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


Held = TypeVar("Held")


class NotInTheCloud(Exception):
    """What a client raises for an id the cloud does not hold (a 404)."""


@dataclass
class StandInSite:
    networks: dict[str, ReadBack] = field(default_factory=dict)
    subnets: dict[str, SubnetReadBack] = field(default_factory=dict)
    groups: dict[str, GroupReadBack] = field(default_factory=dict)
    secrets: dict[str, ReadBack] = field(default_factory=dict)
    bundles: dict[str, BundleReadBack] = field(default_factory=dict)
    acls: dict[str, list[str]] = field(default_factory=dict)
    servers: dict[str, str] = field(default_factory=dict)
    all_volumes: list[VolumeReadBack] = field(default_factory=list)
    encrypted_types: set[str] = field(default_factory=set)

    @staticmethod
    def _held(table: dict[str, Held], key: str) -> Held:
        if key not in table:
            raise NotInTheCloud(f"{key} not found")
        return table[key]

    def network(self, network_id: str) -> ReadBack:
        return self._held(self.networks, network_id)

    def subnet(self, subnet_id: str) -> SubnetReadBack:
        return self._held(self.subnets, subnet_id)

    def security_group(self, group_id: str) -> GroupReadBack:
        return self._held(self.groups, group_id)

    def secret(self, ref: str) -> ReadBack:
        return self._held(self.secrets, ref)

    def secret_bundle(self, ref: str) -> BundleReadBack:
        return self._held(self.bundles, ref)

    def container_acls(self, name: str) -> list[str]:
        return self._held(self.acls, name)

    def server_statuses(self) -> dict[str, str]:
        return dict(self.servers)

    def volumes(self, name_prefix: str) -> list[VolumeReadBack]:
        return [v for v in self.all_volumes if v.name.startswith(name_prefix)]

    def encrypted_volume_types(self) -> set[str]:
        return set(self.encrypted_types)


def verdicts(checks: list[Check]) -> dict[str, bool]:
    return {check.name: check.passed for check in checks}


NETWORK_OUTPUTS = {
    "network_id": "net-1",
    "subnet_ids": {"app": "sub-app", "data": "sub-data"},
    "subnet_cidrs": {"app": "10.40.2.0/24", "data": "10.40.3.0/24"},
    "security_group_ids": {"app": "sg-app"},
}


def good_network() -> StandInSite:
    return StandInSite(
        networks={"net-1": ReadBack("hub-dr-net", "ACTIVE")},
        subnets={
            "sub-app": SubnetReadBack("hub-dr-app", "10.40.2.0/24"),
            "sub-data": SubnetReadBack("hub-dr-data", "10.40.3.0/24"),
        },
        groups={"sg-app": GroupReadBack("hub-dr-app", 4)},
    )


def test_a_network_rebuilt_as_declared_passes_every_check():
    checks = verify.check_network(good_network(), NETWORK_OUTPUTS)
    assert verdicts(checks) == {
        "network ACTIVE": True,
        "subnet app": True,
        "subnet data": True,
        "security group app": True,
    }


def test_a_network_not_active_and_a_subnet_of_another_range_fail():
    site = good_network()
    site.networks["net-1"] = ReadBack("hub-dr-net", "DOWN")
    site.subnets["sub-data"] = SubnetReadBack("hub-dr-data", "10.99.3.0/24")
    checks = verify.check_network(site, NETWORK_OUTPUTS)
    assert verdicts(checks) == {
        "network ACTIVE": False,
        "subnet app": True,
        "subnet data": False,
        "security group app": True,
    }


def test_a_resource_the_cloud_does_not_hold_is_a_failed_check_naming_the_error():
    site = good_network()
    del site.groups["sg-app"]
    [group] = [c for c in verify.check_network(site, NETWORK_OUTPUTS) if "group" in c.name]
    assert (group.passed, group.detail) == (False, "NotInTheCloud: sg-app not found")


KMS_OUTPUTS = {
    "dataset_key_refs": {"cohort": SECRET_REF},
    "ca_cert_ref": CA_REF,
    "service_container_refs": {"api": BUNDLE_REF},
}


def good_kms() -> StandInSite:
    return StandInSite(
        secrets={SECRET_REF: ReadBack("cohort", "ACTIVE"), CA_REF: ReadBack("ca", "ACTIVE")},
        bundles={BUNDLE_REF: BundleReadBack("api-tls", ("private_key", "certificate"))},
    )


def test_keys_and_a_tls_container_rebuilt_as_declared_pass():
    assert verdicts(verify.check_kms(good_kms(), KMS_OUTPUTS)) == {
        "dataset key cohort present": True,
        "CA certificate present": True,
        "api TLS container": True,
    }


@pytest.mark.parametrize("members", [("certificate",), ("certificate", "private_key", "extra"), ()])
def test_a_tls_container_without_exactly_its_certificate_and_key_fails(members):
    site = good_kms()
    site.bundles[BUNDLE_REF] = BundleReadBack("api-tls", members)
    assert verdicts(verify.check_kms(site, KMS_OUTPUTS))["api TLS container"] is False


def test_a_key_not_active_and_a_missing_ca_fail():
    site = good_kms()
    site.secrets[SECRET_REF] = ReadBack("cohort", "ERROR")
    del site.secrets[CA_REF]
    assert verdicts(verify.check_kms(site, KMS_OUTPUTS)) == {
        "dataset key cohort present": False,
        "CA certificate present": False,
        "api TLS container": True,
    }


def restored(purpose: str, objects: int, verified: int, target: str | None) -> RestoredContainer:
    return RestoredContainer(
        purpose=purpose, source="hub-local-" + purpose, target=target, objects=objects,
        bytes=0, verified=verified, start=0.0, end=0.0,
    )  # fmt: skip


def test_a_container_with_an_acl_fails_and_one_without_passes():
    site = StandInSite(acls={"hub-dr-raw": [], "hub-dr-results": [".r:*"]})
    outputs = {"containers": {"raw": "hub-dr-raw", "results": "hub-dr-results"}}
    checks = verify.check_storage(site, outputs, [])
    assert verdicts(checks) == {"container raw private": True, "container results private": False}
    assert checks[1].detail == "hub-dr-results: ACL .r:*"


def test_a_restored_container_passes_only_when_every_object_matches():
    checks = verify.check_storage(
        StandInSite(),
        {},
        [
            restored("raw", 3, 3, "hub-dr-raw"),
            restored("results", 3, 2, "hub-dr-results"),
            restored("audit", 1, 1, None),
        ],
    )
    assert verdicts(checks) == {
        "container raw holds its objects": True,
        "container results holds its objects": False,
        "container audit holds its objects": False,
    }


COMPUTE_OUTPUTS = {"instances": {"app": ["hub-dr-app-0"], "bastion": ["hub-dr-bastion-0"]}}


def test_servers_active_on_encrypted_volumes_pass():
    site = StandInSite(
        servers={"hub-dr-app-0": "ACTIVE", "hub-dr-bastion-0": "ACTIVE", "other": "ERROR"},
        all_volumes=[VolumeReadBack("hub-dr-app-0-boot", "luks", True)],
        encrypted_types={"luks"},
    )
    assert verdicts(verify.check_compute(site, COMPUTE_OUTPUTS, "dr")) == {
        "instance hub-dr-app-0 ACTIVE": True,
        "instance hub-dr-bastion-0 ACTIVE": True,
        "volumes exist": True,
        "volume hub-dr-app-0-boot encrypted": True,
    }


def test_an_absent_or_stopped_server_and_a_volume_on_a_plain_type_fail():
    site = StandInSite(
        servers={"hub-dr-app-0": "SHUTOFF"},
        all_volumes=[
            VolumeReadBack("hub-dr-app-0-boot", "luks", True),
            VolumeReadBack("hub-dr-data-0-data", "classic", False),
            # another site's volume: not this site's to check
            VolumeReadBack("hub-local-app-0-boot", "classic", False),
        ],
        encrypted_types={"luks"},
    )
    checks = verify.check_compute(site, COMPUTE_OUTPUTS, "dr")
    assert verdicts(checks) == {
        "instance hub-dr-app-0 ACTIVE": False,
        "instance hub-dr-bastion-0 ACTIVE": False,
        "volumes exist": True,
        "volume hub-dr-app-0-boot encrypted": True,
        "volume hub-dr-data-0-data encrypted": False,
    }
    assert checks[1].detail == "bastion: absent"


def test_a_volume_flagged_encrypted_on_a_type_without_encryption_fails():
    site = StandInSite(
        servers={"hub-dr-app-0": "ACTIVE", "hub-dr-bastion-0": "ACTIVE"},
        all_volumes=[VolumeReadBack("hub-dr-app-0-boot", "classic", True)],
        encrypted_types={"luks"},
    )
    assert (
        verdicts(verify.check_compute(site, COMPUTE_OUTPUTS, "dr"))[
            "volume hub-dr-app-0-boot encrypted"
        ]
        is False
    )


def test_a_site_without_volumes_fails_the_volumes_check():
    site = StandInSite(servers={"hub-dr-app-0": "ACTIVE", "hub-dr-bastion-0": "ACTIVE"})
    assert verdicts(verify.check_compute(site, COMPUTE_OUTPUTS, "dr"))["volumes exist"] is False


def test_a_barbican_reference_gives_its_last_uuid():
    assert ref_id(BUNDLE_REF) == "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
    with pytest.raises(ValueError, match="not a Barbican reference"):
        ref_id("https://kms.example/v1/secrets/")
