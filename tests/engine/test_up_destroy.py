"""A real `pulumi up` and `pulumi destroy` of a stack that needs no cloud (pulumi-tls only)."""

from __future__ import annotations

import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.engine.conftest import Stack, StackFactory

pytestmark = pytest.mark.engine

PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert"


@pytest.fixture
def deployed(make_stack: StackFactory) -> Stack:
    stack = make_stack("tls-only")
    stack.run("up", "--yes", "--skip-preview")
    return stack


def certificate_of(stack: Stack) -> x509.Certificate:
    outputs = json.loads(stack.run("stack", "output", "--json", "--show-secrets").stdout)
    return x509.load_pem_x509_certificate(outputs["cert_pem"].encode())


def test_up_creates_the_key_and_the_certificate(deployed: Stack) -> None:
    types = deployed.resource_types()
    assert PRIVATE_KEY in types
    assert SELF_SIGNED in types


def test_up_issues_a_self_signed_ca_certificate_on_p256(deployed: Stack) -> None:
    cert = certificate_of(deployed)
    common_name = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert common_name == "sovereign-hub engine test CA"
    assert cert.issuer == cert.subject
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    public_key = cert.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"


def test_state_goes_to_the_file_backend_with_the_private_key_encrypted(deployed: Stack) -> None:
    state_files = list(deployed.backend_dir.rglob("engine-test.json"))
    assert state_files, f"no stack state under {deployed.backend_dir}"
    state = state_files[0].read_text()
    assert "PRIVATE KEY" not in state
    checkpoint = json.loads(state)
    assert checkpoint["checkpoint"]["latest"]["secrets_providers"]["type"] == "passphrase"


def test_a_second_up_changes_nothing(deployed: Stack) -> None:
    preview = json.loads(deployed.run("preview", "--json").stdout)
    assert set(preview["changeSummary"]) == {"same"}


def test_destroy_removes_every_resource(deployed: Stack) -> None:
    deployed.run("destroy", "--yes", "--skip-preview")
    assert deployed.resources() == []
