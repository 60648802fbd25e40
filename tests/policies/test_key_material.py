"""Keys and certificates from any source: Nova key pairs, PEM inputs, Barbican payloads, user
data. Keys are made here with `cryptography` at the sizes named in each test (the expectation
comes from ANSSI RGS B1: RSA >= 3072 bits, ECDSA on P-256 or larger)."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from policies.keymaterial import Key, material, openssh_line
from policies.model import SECRET_MASK, UNKNOWN_MASK, Status
from tests.policies.conftest import REMOVE, failures, find, mutate, statuses

RULE = "crypto-key-strength"
VALIDITY = "crypto-certificate-validity"
KEYPAIR = "keypair:Keypair"


def rsa_key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def openssh(key: object) -> str:
    public = key.public_key()  # type: ignore[attr-defined]
    return public.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def pem_private(key: object) -> str:
    return key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def certificate(key: object, hours: int, *, ca: bool) -> str:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(hours=hours))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


RSA_3072, RSA_3071, RSA_2048 = rsa_key(3072), rsa_key(3071), rsa_key(2048)
P256, P384, P224 = (
    ec.generate_private_key(c) for c in (ec.SECP256R1(), ec.SECP384R1(), ec.SECP224R1())
)


# --- the reader -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (RSA_3072, Key("RSA", 3072)),
        (P256, Key("ECDSA", 256, "P256")),
        (P384, Key("ECDSA", 384, "P384")),
    ],
)
def test_an_openssh_line_is_read_as_sshd_reads_it(key, expected):
    assert openssh_line(openssh(key) + " alice@example").key == expected


def test_a_truncated_openssh_key_is_unreadable_not_skipped():
    kind, blob = openssh(P384).split()
    assert openssh_line(f"{kind} {blob[:-12]}").problem is not None


def test_every_key_in_a_text_is_found():
    text = (
        f"ssh_authorized_keys:\n  - {openssh(P384)}\n  - {openssh(RSA_2048)}\n{pem_private(P256)}"
    )
    found = list(material(text))
    assert sorted(str(f.key) for f in found) == sorted(
        ["an ECDSA key on P384", "an RSA key of 2048 bits", "an ECDSA key on P256"]
    )


# --- Nova key pairs -------------------------------------------------------------------------------


def test_the_shipped_admin_key_pair_passes(target):
    compute = target("prod-compute")
    assert statuses(RULE, compute, find(compute, KEYPAIR)) == {Status.PASS}


@pytest.mark.parametrize(
    ("key", "ok"),
    [(RSA_3072, True), (RSA_3071, False), (RSA_2048, False), (P256, True), (P384, True)],
)
def test_a_key_pair_at_and_past_the_rsa_bound(target, key, ok):
    compute = target("prod-compute")
    changed, pair = mutate(compute, find(compute, KEYPAIR), publicKey=openssh(key))
    assert statuses(RULE, changed, pair) == ({Status.PASS} if ok else {Status.FAIL})


def test_a_dsa_key_pair_is_a_violation(target):
    compute = target("prod-compute")
    dsa_key = dsa.generate_private_key(key_size=1024)  # ssh-dss keys are 1024 bits
    changed, pair = mutate(compute, find(compute, KEYPAIR), publicKey=openssh(dsa_key))
    [message] = failures(RULE, changed, pair)
    assert "DSA" in message


def test_ed25519_only_when_allowed(target):
    from policies.config import PackConfig
    from policies.evaluate import evaluate

    compute = target("prod-compute")
    key = ed25519.Ed25519PrivateKey.generate()
    changed, pair = mutate(compute, find(compute, KEYPAIR), publicKey=openssh(key))
    assert failures(RULE, changed, pair)
    allowed = PackConfig.from_mapping({RULE: {"allowEd25519": True}}, "test")
    found = [v for v in evaluate(changed, allowed).violations if v.policy == RULE]
    assert [v for v in found if v.urn == pair.urn] == []


def test_a_key_pair_without_a_public_key_is_nova_s_rsa_2048(target):
    compute = target("prod-compute")
    changed, pair = mutate(compute, find(compute, KEYPAIR), publicKey=REMOVE)
    [message] = failures(RULE, changed, pair)
    assert "Nova generates" in message and "2048 bits" in message


@pytest.mark.parametrize("mask", [SECRET_MASK, UNKNOWN_MASK])
def test_a_key_pair_that_cannot_be_read_fails_closed(target, mask):
    compute = target("prod-compute")
    secret = ("publicKey",) if mask == SECRET_MASK else ()
    changed, pair = mutate(compute, find(compute, KEYPAIR), secret=secret, publicKey=mask)
    assert failures(RULE, changed, pair)


def test_an_instance_opened_by_a_key_pair_the_stack_lacks_fails(target):
    compute = target("prod-compute")
    changed, host = mutate(compute, find(compute, "instance:Instance"), keyPair="someone-else")
    [message] = failures("crypto-instance-key-pair", changed, host)
    assert "'someone-else'" in message


# --- user data, PEM inputs, Barbican -----------------------------------------------------------


def _user_data(compute, text: str, encoding: str):
    body = text.encode()
    if encoding == "base64+gzip":
        body = base64.b64encode(gzip.compress(body))
    elif encoding == "base64":
        body = base64.b64encode(body)
    instance = find(compute, "instance:Instance")
    return mutate(compute, instance, userData=body.decode())


@pytest.mark.parametrize("encoding", ["plain", "base64", "base64+gzip"])
def test_a_weak_key_in_user_data_is_found_however_it_is_encoded(target, encoding):
    compute = target("prod-compute")
    text = f"#cloud-config\nusers:\n  - name: x\n    ssh_authorized_keys: [{openssh(RSA_2048)}]\n"
    changed, host = _user_data(compute, text, encoding)
    [message] = failures(RULE, changed, host)
    assert "userData" in message and "2048 bits" in message


def test_a_strong_key_in_user_data_passes(target):
    compute = target("prod-compute")
    changed, host = _user_data(compute, f"#cloud-config\nkey: {openssh(P384)}\n", "plain")
    assert Status.FAIL not in statuses(RULE, changed, host)


def test_a_shipped_host_s_user_data_passes(target):
    compute = target("prod-compute")
    assert Status.FAIL not in statuses(RULE, compute, find(compute, "instance:Instance"))


def test_a_weak_private_key_given_to_pulumi_tls_fails(target):
    kms = target("prod-kms")
    csr = find(kms, "certRequest:CertRequest")
    changed, csr = mutate(kms, csr, privateKeyPem=pem_private(P224))
    [message] = failures(RULE, changed, csr)
    assert "P224" in message


def test_a_barbican_payload_with_a_weak_key_fails_when_it_can_be_read(target):
    kms = target("prod-kms")
    secret = find(kms, "secretV1:SecretV1", "ca-key")
    changed, secret = mutate(kms, secret, secret=("payload",), payload=pem_private(RSA_2048))
    [message] = failures(RULE, changed, secret)
    assert "2048 bits" in message


def test_a_barbican_payload_masked_offline_is_left_to_the_engine(target):
    kms = target("prod-kms")
    secret = find(kms, "secretV1:SecretV1", "ca-key")
    assert statuses(RULE, kms, secret) == {Status.NOT_APPLICABLE}


def test_unparseable_key_material_fails_closed(target):
    kms = target("prod-kms")
    secret = find(kms, "secretV1:SecretV1", "ca-key")
    junk = "-----BEGIN PRIVATE KEY-----\nMIIB...\n-----END PRIVATE KEY-----\n"
    changed, secret = mutate(kms, secret, secret=("payload",), payload=junk)
    [message] = failures(RULE, changed, secret)
    assert "cannot be judged" in message


# --- certificates from any source ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "ca", "ok"),
    [(8760, False, True), (8761, False, False), (26280, True, True), (26281, True, False)],
)
def test_a_stored_certificate_at_and_past_its_validity_bound(target, hours, ca, ok):
    kms = target("prod-kms")
    secret = find(kms, "secretV1:SecretV1", "ca-cert")
    payload = certificate(P384, hours, ca=ca)
    changed, secret = mutate(kms, secret, secret=("payload",), payload=payload)
    assert (Status.FAIL in statuses(VALIDITY, changed, secret)) is not ok


def test_a_leaf_written_with_a_false_string_is_judged_as_a_leaf(target):
    """The provider parses "false" as false: a 2-year leaf is over the leaf bound."""
    kms = target("prod-kms")
    cert = find(kms, "locallySignedCert:LocallySignedCert")
    changed, cert = mutate(kms, cert, isCaCertificate="false", validityPeriodHours=17520)
    [message] = failures(VALIDITY, changed, cert)
    assert "certificate with a validity of 17520 hours" in message and "CA" not in message


def test_a_validity_written_as_a_string_is_read_as_the_provider_reads_it(target):
    kms = target("prod-kms")
    cert = find(kms, "locallySignedCert:LocallySignedCert")
    changed, cert = mutate(kms, cert, validityPeriodHours="2160")
    assert Status.FAIL not in statuses(VALIDITY, changed, cert)


def test_an_is_ca_flag_the_provider_cannot_parse_fails(target):
    kms = target("prod-kms")
    cert = find(kms, "selfSignedCert:SelfSignedCert")
    changed, cert = mutate(kms, cert, isCaCertificate="maybe")
    assert failures(VALIDITY, changed, cert)


def test_rsa_bits_written_as_a_string_count(target):
    kms = target("prod-kms")
    key = find(kms, "privateKey:PrivateKey", "ca-key")
    changed, key = mutate(kms, key, algorithm="RSA", ecdsaCurve=REMOVE, rsaBits="4096")
    assert statuses(RULE, changed, key) == {Status.PASS}


def test_the_shipped_ca_given_to_the_signed_certificates_passes(target):
    kms = target("prod-kms")
    for cert in [v for v in kms.resources if v.type.endswith("locallySignedCert")]:
        assert Status.FAIL not in statuses(VALIDITY, kms, cert)
        assert Status.FAIL not in statuses(RULE, kms, cert)


def test_a_tls_key_on_a_weak_curve_is_also_found_in_what_it_signed(target):
    """A P-224 key (pulumi-tls's default curve): reported on the key and on the signed
    certificate whose request and CA carry it (the requests' own private key input is a
    secret offline, judged under the engine)."""
    kms = target("staging-kms", hub__tls='{"algorithm": "ECDSA", "ecdsaCurve": "P224"}')
    found = {view.type.rsplit(":", 1)[-1] for view in kms.resources if failures(RULE, kms, view)}
    assert {"PrivateKey", "LocallySignedCert"} <= found


def test_a_certificate_payload_of_a_weak_key_is_reported_once_per_rule(target):
    kms = target("prod-kms")
    secret = find(kms, "secretV1:SecretV1", "ca-cert")
    payload = certificate(RSA_2048, 100, ca=False)
    changed, secret = mutate(kms, secret, secret=("payload",), payload=payload)
    assert len(failures(RULE, changed, secret)) == 1
    assert failures(VALIDITY, changed, secret) == []
