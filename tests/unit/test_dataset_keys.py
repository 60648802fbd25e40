"""Dataset key escrow and custodians' shares, offline: what each fault looks like."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT
from hubctl.datasets.custodians import ShareError, combine, encrypt_share, open_share, split
from hubctl.datasets.escrow import EscrowError, EscrowRecord, unwrap, wrap
from hubctl.datasets.keys import key_check
from infra.config import KeyCustodian, KeyCustodians

CUSTODIANS = REPO_ROOT / "custodians" / "local"
KEY, KEK = os.urandom(32), os.urandom(32)


def public_key(name: str) -> str:
    text = (CUSTODIANS / f"{name}.agekey").read_text()
    return next(line.split(": ", 1)[1] for line in text.splitlines() if "public key" in line)


def people() -> KeyCustodians:
    names = ("camille", "dominique", "sacha")
    return KeyCustodians(
        threshold=2, custodians=[KeyCustodian(id=n, recipient=public_key(n)) for n in names]
    )


def record(wrapped: str, dataset: str = "cohorts") -> EscrowRecord:
    return EscrowRecord(
        site="local",
        dataset=dataset,
        key_id="k1",
        key_ref="http://barbican/v1/secrets/k1",
        check=key_check(KEY),
        escrowed_at=datetime.now(UTC),
        kek_ref="http://barbican/v1/secrets/kek",
        wrapped=wrapped,
    )


def test_an_escrowed_key_unwraps_under_its_kek() -> None:
    assert unwrap(KEK, record(wrap(KEK, KEY, "local", "cohorts", "k1")), "r") == KEY


def test_an_escrow_blob_with_one_bit_changed_is_refused_by_name() -> None:
    blob = bytearray(base64.b64decode(wrap(KEK, KEY, "local", "cohorts", "k1")))
    blob[-1] ^= 1
    with pytest.raises(EscrowError, match=r"^escrow/cohorts/k1\.json: the escrow blob does not"):
        unwrap(KEK, record(base64.b64encode(bytes(blob)).decode()), "escrow/cohorts/k1.json")


def test_an_escrow_blob_moved_to_another_dataset_does_not_open() -> None:
    moved = record(wrap(KEK, KEY, "local", "cohorts", "k1"), dataset="claims")
    with pytest.raises(EscrowError, match="moved from another key or dataset"):
        unwrap(KEK, moved, "r")


def test_an_escrow_blob_under_another_kek_does_not_open() -> None:
    with pytest.raises(EscrowError):
        unwrap(os.urandom(32), record(wrap(KEK, KEY, "local", "cohorts", "k1")), "r")


def test_the_check_value_tells_keys_apart() -> None:
    assert key_check(KEY) == key_check(bytes(KEY))
    assert key_check(KEY) != key_check(os.urandom(32))


def _opened(who: list[str]) -> list:
    documents = split(KEY, "local", "cohorts", "k1", people())
    custodians = {c.id: c for c in people().custodians}
    return [
        open_share(
            encrypt_share(documents[name], custodians[name]),
            (CUSTODIANS / f"{name}.agekey").read_text(),
            f"shares/{name}.age",
            f"{name}.agekey",
        )
        for name in who
    ]


def test_two_of_three_shares_give_the_key_back() -> None:
    assert combine(_opened(["camille", "sacha"])) == KEY


def test_any_other_two_give_the_same_key() -> None:
    assert combine(_opened(["dominique", "sacha"])) == KEY


def test_one_share_alone_does_not_combine() -> None:
    with pytest.raises(ShareError, match="do not combine"):
        combine(_opened(["camille"]))


def test_shares_of_two_splits_do_not_combine() -> None:
    first = _opened(["camille"])
    second = _opened(["sacha"])  # another split of the same key: another identifier
    with pytest.raises(ShareError, match="do not combine"):
        combine(first + second)


def test_a_share_opened_with_another_custodians_key_is_refused_by_name() -> None:
    documents = split(KEY, "local", "cohorts", "k1", people())
    camille = next(c for c in people().custodians if c.id == "camille")
    with pytest.raises(
        ShareError, match=r"^shares/camille\.age: the key in sacha\.agekey does not"
    ):
        open_share(
            encrypt_share(documents["camille"], camille),
            (CUSTODIANS / "sacha.agekey").read_text(),
            "shares/camille.age",
            "sacha.agekey",
        )


def test_an_identity_file_without_a_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ShareError, match="holds no age identity"):
        open_share(b"", "nothing here", "s", "empty.key")
