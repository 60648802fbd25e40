"""KMS layer: Barbican-generated dataset keys, an internal pulumi-tls CA stored in Barbican."""

from __future__ import annotations

import pytest

from infra.layers.kms import whole_seconds
from synth.records import SynthResult
from tests.conftest import Synth, of_type


@pytest.fixture(scope="module")
def kms(synth: Synth) -> SynthResult:
    return synth("prod-kms")


def dataset_orders(kms: SynthResult) -> dict[str, dict]:
    return {r.name: r.inputs for r in of_type(kms, "orderV1:OrderV1") if "-key-" in r.name}


def test_each_dataset_gets_a_barbican_generated_aes_key(kms: SynthResult) -> None:
    orders = dataset_orders(kms)
    assert set(orders) == {
        "hub-prod-key-snds-extract",
        "hub-prod-key-cohorts",
        "hub-prod-key-imaging",
    }
    for order in orders.values():
        assert order["type"] == "key"
        assert order["meta"]["algorithm"] == "aes"
        assert order["meta"]["bitLength"] == 256


def test_the_escrow_kek_is_ordered_from_the_replica_regions_barbican(kms: SynthResult) -> None:
    (kek,) = [r for r in of_type(kms, "orderV1:OrderV1") if r.name == "hub-prod-escrow-kek"]
    replica = next(r for r in kms.resources if r.name == "openstack-replica")
    assert replica.inputs["region"] == "EU-WEST-SBG-SNC"  # prod's replica region, sites.yaml
    assert kek.provider and "openstack-replica" in kek.provider
    assert kek.inputs["meta"] == {
        "algorithm": "aes",
        "bitLength": 256,
        "mode": "gcm",
        "name": "hub-prod-escrow-kek",
    }


def test_a_site_without_escrow_orders_no_kek(synth: Synth) -> None:
    staging = synth("staging-kms")
    assert [r.name for r in of_type(staging, "orderV1:OrderV1") if "escrow" in r.name] == []


def test_a_new_key_generation_is_a_new_order_name(synth: Synth) -> None:
    rotated = synth("prod-kms", hub__datasetKeyGeneration='{"cohorts": 2}')
    names = {r.name: r.inputs["meta"]["name"] for r in of_type(rotated, "orderV1:OrderV1")}
    assert names["hub-prod-key-cohorts"] == "hub-prod-key-cohorts-g2"
    assert names["hub-prod-key-imaging"] == "hub-prod-key-imaging"


def test_dataset_keys_are_protected_and_retained(kms: SynthResult) -> None:
    for order in of_type(kms, "orderV1:OrderV1"):
        assert order.protect and order.retain_on_delete, order.urn


def test_the_ca_is_a_bounded_ca_certificate(kms: SynthResult) -> None:
    (ca,) = of_type(kms, "selfSignedCert:SelfSignedCert")
    assert ca.inputs["isCaCertificate"] is True
    assert ca.inputs["validityPeriodHours"] == 26280
    assert "cert_signing" in ca.inputs["allowedUses"]


def test_keys_use_an_anssi_curve(kms: SynthResult) -> None:
    keys = of_type(kms, "privateKey:PrivateKey")
    assert len(keys) == 4
    assert {(k.inputs["algorithm"], k.inputs["ecdsaCurve"]) for k in keys} == {("ECDSA", "P384")}


def test_service_certificates_expire_so_rotation_is_visible(kms: SynthResult) -> None:
    certs = of_type(kms, "locallySignedCert:LocallySignedCert")
    assert {c.name for c in certs} == {
        "hub-prod-ingress-cert",
        "hub-prod-app-cert",
        "hub-prod-data-cert",
    }
    for cert in certs:
        assert cert.inputs["validityPeriodHours"] == 2160
        assert cert.inputs["earlyRenewalHours"] == 720


def test_tls_material_is_stored_in_barbican_with_an_expiration(kms: SynthResult) -> None:
    secrets = of_type(kms, "secretV1:SecretV1")
    assert len(secrets) == 8  # CA cert and key, and cert and key for three services
    for secret in secrets:
        assert secret.inputs["expiration"], secret.urn
        assert secret.is_secret("payload"), f"{secret.urn}: payload must be a Pulumi secret"


def test_private_keys_in_barbican_are_protected(kms: SynthResult) -> None:
    private = [s for s in of_type(kms, "secretV1:SecretV1") if s.inputs["secretType"] == "private"]
    assert len(private) == 4
    assert all(s.protect for s in private)


def test_certificate_containers_pair_each_service_cert_with_its_key(kms: SynthResult) -> None:
    containers = of_type(kms, "containerV1:ContainerV1")
    assert len(containers) == 3
    for container in containers:
        assert container.inputs["type"] == "certificate"
        assert {ref["name"] for ref in container.inputs["secretRefs"]} == {
            "certificate",
            "private_key",
        }


def test_tls_resources_use_the_explicit_tls_provider(kms: SynthResult) -> None:
    for record in kms.resources:
        if record.type.startswith("tls:"):
            assert record.provider and "pulumi:providers:tls::tls" in record.provider, record.urn


def test_a_secret_identity_endpoint_stays_secret_in_the_provider(kms: SynthResult) -> None:
    provider = next(r for r in kms.resources if r.type == "pulumi:providers:openstack")
    assert provider.is_secret("authUrl")
    assert provider.inputs["authUrl"] == "[secret]"


def test_secret_expirations_are_whole_seconds_as_barbican_stores_them(kms: SynthResult) -> None:
    """A fraction of a second would differ from Barbican's copy and replace secrets every up."""
    expirations = {s.inputs["expiration"] for s in of_type(kms, "secretV1:SecretV1")}
    # 26,280 h (3 x 365 days) and 2,160 h (90 days) after the mocks' start, 2026-11-29.
    assert expirations == {"2029-11-28T00:00:00Z", "2027-02-27T00:00:00Z"}


@pytest.mark.parametrize(
    ("reported", "stored"),
    [
        ("2027-02-27T10:11:53.19683083Z", "2027-02-27T10:11:53Z"),
        ("2027-02-27T10:11:53Z", "2027-02-27T10:11:53Z"),
        ("2027-02-27T10:11:53.5+01:00", "2027-02-27T10:11:53+01:00"),
    ],
)
def test_whole_seconds_drops_only_the_fraction(reported: str, stored: str) -> None:
    assert whole_seconds(reported) == stored
