"""Real key material for the mocked engine: what pulumi-tls would compute, computed here.

Offline synthesis used to answer a tls key with a placeholder (`ecdsa-sha2-nistp256 AAAAsynth`),
which told the policy pack nothing true: the admin key pair was "P-256" whatever the site's
hub:tls said, and a certificate's PEM could not be read. The mocks now make what the provider
makes, from the same inputs: a key of the declared algorithm, size and curve (the provider's
defaults when unset: RSA 2048, P-224), a CSR signed by its key, certificates with the declared
validity, signed by the declared CA key. So every key and certificate the pack reads offline is
the one the engine would produce, in kind and size.

Results are memoised on the resource's name and inputs, and EC keys are derived from the name:
the same program run twice gives the same records (the check cache and the shape sampling of
synth.sampling compare them). Validity starts at a fixed instant so a certificate is the same on
every run; only its length matters to the rules.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from hubcore.resource_types import (
    TLS_CERT_REQUEST,
    TLS_LOCALLY_SIGNED_CERT,
    TLS_PRIVATE_KEY,
    TLS_SELF_SIGNED_CERT,
)
from hubcore.wire import SECRET_SIG, SIG_KEY

# pulumi-tls's defaults (terraform-provider-tls, resource_private_key.go).
DEFAULT_RSA_BITS = 2048
DEFAULT_CURVE = "P224"
CURVES: dict[str, ec.EllipticCurve] = {
    "P224": ec.SECP224R1(),
    "P256": ec.SECP256R1(),
    "P384": ec.SECP384R1(),
    "P521": ec.SECP521R1(),
}
NOT_BEFORE = datetime(2026, 11, 29, tzinfo=UTC)
# pulumi-tls reports times with nanoseconds (RFC 3339); the program rounds them for Barbican.
NANOSECONDS = ".196830830Z"
_SUBJECT_FIELDS = {
    "commonName": NameOID.COMMON_NAME,
    "organization": NameOID.ORGANIZATION_NAME,
    "organizationalUnit": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "country": NameOID.COUNTRY_NAME,
    "locality": NameOID.LOCALITY_NAME,
    "province": NameOID.STATE_OR_PROVINCE_NAME,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "postalCode": NameOID.POSTAL_CODE,
    "emailAddress": NameOID.EMAIL_ADDRESS,
}

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\0".join(parts).encode()).digest(), "big")


def _get(inputs: dict[str, Any], camel: str) -> Any:
    """An input as the mocks receive it (camelCase, a secret still in its wire envelope)."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    value = inputs.get(camel, inputs.get(snake))
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        return value.get("value")
    return value


@lru_cache(maxsize=256)
def _private_key(name: str, algorithm: str, bits: int, curve: str) -> PrivateKey:
    if algorithm == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)
    if algorithm == "ED25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(name.encode()).digest())
    chosen = CURVES.get(curve, CURVES[DEFAULT_CURVE])
    order_bits = chosen.key_size
    return ec.derive_private_key(_seed(name, curve) % (1 << (order_bits - 1)) + 1, chosen)


def _pem_private(key: PrivateKey) -> str:
    fmt = (
        serialization.PrivateFormat.PKCS8
        if isinstance(key, ed25519.Ed25519PrivateKey)
        else serialization.PrivateFormat.TraditionalOpenSSL
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def private_key_outputs(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    algorithm = str(_get(inputs, "algorithm") or "RSA").upper()
    bits = int(_get(inputs, "rsaBits") or DEFAULT_RSA_BITS)
    curve = str(_get(inputs, "ecdsaCurve") or DEFAULT_CURVE).upper()
    key = _private_key(name, algorithm, bits, curve)
    public = key.public_key()
    try:
        openssh = (
            public.public_bytes(
                serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
            ).decode()
        ) + "\n"
    except ValueError:  # P-224 has no OpenSSH form: pulumi-tls reports an empty string
        openssh = ""
    return {
        "private_key_pem": _pem_private(key),
        "public_key_pem": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode(),
        "public_key_openssh": openssh,
    }


def _load_private(pem: Any) -> PrivateKey | None:
    if not isinstance(pem, str) or "PRIVATE KEY" not in pem:
        return None
    loaded = serialization.load_pem_private_key(pem.encode(), password=None)
    if isinstance(
        loaded, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    ):
        return loaded
    return None


def _name(subject: Any) -> x509.Name:
    attributes = []
    for field, oid in _SUBJECT_FIELDS.items():
        value = subject.get(field) if isinstance(subject, dict) else None
        if isinstance(value, str) and value:
            attributes.append(x509.NameAttribute(oid, value))
    return x509.Name(attributes)


def _hash_for(key: PrivateKey) -> hashes.HashAlgorithm | None:
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def _sign(builder: Any, key: PrivateKey) -> Any:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        # Deterministic ECDSA (RFC 6979): the same certificate on every run.
        return builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    return builder.sign(key, _hash_for(key))


def cert_request_outputs(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    key = _load_private(_get(inputs, "privateKeyPem"))
    if key is None:
        return {}
    builder = x509.CertificateSigningRequestBuilder().subject_name(_name(_get(inputs, "subject")))
    request = _sign(builder, key)
    return {"cert_request_pem": request.public_bytes(serialization.Encoding.PEM).decode()}


def _certificate(
    name: str,
    subject: x509.Name,
    issuer: x509.Name,
    public: Any,
    signer: PrivateKey,
    hours: Any,
    is_ca: Any,
) -> dict[str, Any]:
    end = NOT_BEFORE + timedelta(hours=float(hours or 0))
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(_seed(name) >> 100)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=bool(is_ca), path_length=None), critical=True)
    )
    cert = _sign(builder, signer)
    return {
        "cert_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "validity_start_time": NOT_BEFORE.strftime("%Y-%m-%dT%H:%M:%S") + NANOSECONDS,
        "validity_end_time": end.strftime("%Y-%m-%dT%H:%M:%S") + NANOSECONDS,
    }


def self_signed_outputs(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    key = _load_private(_get(inputs, "privateKeyPem"))
    if key is None:
        return {}
    subject = _name(_get(inputs, "subject"))
    return _certificate(
        name,
        subject,
        subject,
        key.public_key(),
        key,
        _get(inputs, "validityPeriodHours"),
        _get(inputs, "isCaCertificate"),
    )


def locally_signed_outputs(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    ca_key = _load_private(_get(inputs, "caPrivateKeyPem"))
    request_pem, ca_pem = _get(inputs, "certRequestPem"), _get(inputs, "caCertPem")
    if ca_key is None or not isinstance(request_pem, str) or not isinstance(ca_pem, str):
        return {}
    request = x509.load_pem_x509_csr(request_pem.encode())
    ca = x509.load_pem_x509_certificate(ca_pem.encode())
    return _certificate(
        name,
        request.subject,
        ca.subject,
        request.public_key(),
        ca_key,
        _get(inputs, "validityPeriodHours"),
        _get(inputs, "isCaCertificate"),
    )


_OUTPUTS = {
    TLS_PRIVATE_KEY: private_key_outputs,
    TLS_CERT_REQUEST: cert_request_outputs,
    TLS_SELF_SIGNED_CERT: self_signed_outputs,
    TLS_LOCALLY_SIGNED_CERT: locally_signed_outputs,
}


@lru_cache(maxsize=1024)
def _outputs(type_: str, name: str, inputs_json: str) -> str:
    return json.dumps(_OUTPUTS[type_](name, json.loads(inputs_json)))


def tls_outputs(type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
    """What pulumi-tls computes for a resource of `type_`, or None for other types."""
    if type_ not in _OUTPUTS:
        return None
    computed: dict[str, Any] = json.loads(
        _outputs(type_, name, json.dumps(inputs, sort_keys=True, default=str))
    )
    return computed
