"""Object-storage layer: private, versioned, classified containers with a DR replica."""

from __future__ import annotations

import pytest

from synth.records import SynthResult
from tests.conftest import Synth, of_type


@pytest.fixture(scope="module")
def storage(synth: Synth) -> SynthResult:
    return synth("prod-storage")


def containers(result: SynthResult) -> dict[str, dict]:
    return {r.name: r.inputs for r in of_type(result, "container:Container")}


def test_the_hub_containers_exist(storage: SynthResult) -> None:
    primary = {n for n in containers(storage) if not n.endswith(("-replica", "-key-escrow"))}
    assert primary == {
        "hub-prod-dataset-snds-extract",
        "hub-prod-dataset-cohorts",
        "hub-prod-dataset-imaging",
        "hub-prod-audit-logs",
        "hub-prod-backups",
        "hub-prod-pulumi-state",
    }


def test_no_container_is_readable_or_writable_by_others(storage: SynthResult) -> None:
    for name, inputs in containers(storage).items():
        assert "containerRead" not in inputs, name
        assert "containerWrite" not in inputs, name


def test_datasets_and_audit_logs_are_versioned(storage: SynthResult) -> None:
    found = containers(storage)
    for name in ("hub-prod-dataset-cohorts", "hub-prod-audit-logs", "hub-prod-pulumi-state"):
        assert found[name]["versioning"] is True, name


def test_every_container_states_its_classification(storage: SynthResult) -> None:
    for name, inputs in containers(storage).items():
        assert inputs["metadata"]["classification"] == "health-data", name


def test_dataset_containers_name_their_key_from_the_kms_stack(storage: SynthResult) -> None:
    cohorts = containers(storage)["hub-prod-dataset-cohorts"]
    assert cohorts["metadata"]["data-key-ref"].endswith("/secrets/cohorts-key")


def test_storage_reads_kms_through_a_stack_reference(storage: SynthResult) -> None:
    references = of_type(storage, "pulumi:StackReference")
    assert [r.name for r in references] == ["organization/hub/prod-kms"]


def test_data_containers_are_protected_and_retained(storage: SynthResult) -> None:
    for record in of_type(storage, "container:Container"):
        assert record.protect and record.retain_on_delete, record.urn


def test_replicas_live_in_the_replica_region(storage: SynthResult) -> None:
    replica_provider = next(r for r in storage.resources if r.name == "openstack-replica")
    assert replica_provider.inputs["region"] == "EU-WEST-SBG-SNC"  # prod's hub:replicaRegion
    replicas = [r for r in of_type(storage, "container:Container") if r.name.endswith("-replica")]
    assert {r.name for r in replicas} == {
        "hub-prod-dataset-snds-extract-replica",
        "hub-prod-dataset-cohorts-replica",
        "hub-prod-dataset-imaging-replica",
        "hub-prod-audit-logs-replica",
        "hub-prod-backups-replica",
    }
    for replica in replicas:
        assert replica.provider and "openstack-replica" in replica.provider, replica.urn
        assert replica.inputs["metadata"]["replica-of"] == "EU-WEST-RBX-SNC"


def test_a_site_without_replica_region_has_no_replicas(synth: Synth) -> None:
    staging = synth("staging-storage")
    assert not [r for r in containers(staging) if r.endswith("-replica")]


def test_the_key_escrow_container_lives_only_in_the_replica_region(storage: SynthResult) -> None:
    (escrow,) = [r for r in of_type(storage, "container:Container") if "escrow" in r.name]
    assert escrow.name == "hub-prod-key-escrow"
    assert escrow.provider and "openstack-replica" in escrow.provider
    assert escrow.inputs["versioning"] is True
    assert escrow.inputs["metadata"]["escrow-of"] == "EU-WEST-RBX-SNC"
    assert "containerRead" not in escrow.inputs and "containerWrite" not in escrow.inputs


def test_a_site_without_escrow_or_custodians_has_no_escrow_container(synth: Synth) -> None:
    assert not [r for r in containers(synth("staging-storage")) if "escrow" in r]
