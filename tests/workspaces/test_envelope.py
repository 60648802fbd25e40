"""Envelope encryption: AES-256-GCM per object under a data key wrapped (RFC 3394) by the
project key; checked against the primitives themselves, not against the module's own reader."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

from hubctl.envelope import EnvelopeError, open_sealed, seal

KEY = bytes(range(32))
REF = "http://127.0.0.1:9311/v1/secrets/1234"


def test_the_body_is_gcm_under_a_data_key_the_project_key_wraps() -> None:
    sealed = seal("data.csv", b"patient,hba1c\n1,6.8\n", KEY, REF)
    data_key = aes_key_unwrap(KEY, base64.b64decode(sealed.metadata["wrapped-key"]))
    assert len(data_key) == 32
    nonce, ciphertext = sealed.body[:12], sealed.body[12:]
    aad = b"data.csv\n" + REF.encode()
    assert AESGCM(data_key).decrypt(nonce, ciphertext, aad) == b"patient,hba1c\n1,6.8\n"
    assert sealed.metadata["key-ref"] == REF and sealed.metadata["cipher"] == "AES-256-GCM"


def test_the_plaintext_does_not_appear_in_what_is_stored() -> None:
    secret = b"NIR 1 84 12 75 123 456 78"
    sealed = seal("x", secret, KEY, REF)
    assert secret not in sealed.body and secret not in str(sealed.metadata).encode()


def test_each_object_gets_its_own_data_key() -> None:
    a, b = seal("a", b"same", KEY, REF), seal("b", b"same", KEY, REF)
    assert a.metadata["wrapped-key"] != b.metadata["wrapped-key"]


def test_a_round_trip_gives_the_bytes_back() -> None:
    payload = os.urandom(70_000)
    sealed = seal("big.bin", payload, KEY, REF)
    assert open_sealed("big.bin", sealed.body, sealed.metadata, KEY) == payload


def test_without_the_project_key_nothing_opens() -> None:
    sealed = seal("x", b"data", KEY, REF)
    with pytest.raises(EnvelopeError, match="does not unwrap"):
        open_sealed("x", sealed.body, sealed.metadata, bytes(32))


def test_an_altered_body_is_refused() -> None:
    sealed = seal("x", b"data", KEY, REF)
    body = bytearray(sealed.body)
    body[-1] ^= 1
    with pytest.raises(EnvelopeError, match="altered"):
        open_sealed("x", bytes(body), sealed.metadata, KEY)


def test_an_object_moved_under_another_name_is_refused() -> None:
    sealed = seal("a.csv", b"data", KEY, REF)
    with pytest.raises(EnvelopeError):
        open_sealed("b.csv", sealed.body, sealed.metadata, KEY)


def test_a_project_key_that_is_not_256_bits_is_refused() -> None:
    with pytest.raises(EnvelopeError, match="not 256"):
        seal("x", b"data", bytes(16), REF)
