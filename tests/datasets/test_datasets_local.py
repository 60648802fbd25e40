"""Datasets sealed under their keys, escrowed and split, on the local cloud (test tenant).

The `local` site's kms and storage layers are deployed into the test session's own project
(tests/cloud.py), so the user's site is never touched. Every command runs as a person runs it
(`python -m hubctl.cli`), and each fault is made by hand in the cloud the way it would happen:
bytes of a stored object changed, a record edited, a share replaced.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hubcore.paths import REPO_ROOT
from hubcore.stacks import Layer, StackName
from hubctl.cloud import site_cloud
from hubctl.deploy import forget_generated_keys, run_stack
from hubctl.drill.cloud import empty_container
from tests.hubctl_runner import run_hubctl

pytestmark = pytest.mark.integration

SITE = "local"
COHORTS, CLAIMS = "synthetic-cohorts", "synthetic-claims"
CONTAINER = f"hub-{SITE}-dataset-{COHORTS}"
ESCROW = f"hub-{SITE}-key-escrow"
PLAIN = b"patient_id,age,hba1c\n1001,57,7.9\n1002,63,6.4\n"
CUSTODIANS = REPO_ROOT / "custodians" / "local"


def hubctl(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_hubctl(*args, env=env, timeout=600)


def custodian(name: str) -> str:
    return f"{name}={CUSTODIANS / f'{name}.agekey'}"


@pytest.fixture(scope="module")
def env(deploy_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """kms and storage of `local` up in the session's tenant; everything removed after."""
    import os

    environment = {**os.environ, **deploy_env, "COLUMNS": "200"}
    logs = tmp_path_factory.mktemp("dataset-logs")

    def layer(action: str, which: Layer) -> str:
        run = run_stack(StackName(SITE, which), action, logs / f"{which}.{action}.log", environment)  # type: ignore[arg-type]
        return run.status + (f": {run.error}" if run.error else "")

    primary = site_cloud(SITE, "LOCAL1", environment).connect()
    replica = site_cloud(SITE, "LOCAL2", environment).connect()
    try:
        assert layer("up", Layer.KMS) == "done"
        assert layer("up", Layer.STORAGE) == "done"
        yield environment
    finally:
        for conn, containers in (
            (primary, [CONTAINER, f"hub-{SITE}-dataset-{CLAIMS}"]),
            (replica, [ESCROW, f"{CONTAINER}-replica", f"hub-{SITE}-dataset-{CLAIMS}-replica"]),
        ):
            for container in containers:
                empty_container(conn, container)
        layer("destroy", Layer.STORAGE)
        layer("destroy", Layer.KMS)
        forget_generated_keys(SITE, primary, replica)


@pytest.fixture(scope="module")
def loaded(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("data")
    (folder / "cohort.csv").write_bytes(PLAIN)
    (folder / "claims.csv").write_bytes(b"claim,amount\nA,12\n")
    first = hubctl("dataset", "load", "--site", SITE, "--dataset", COHORTS,
                   str(folder / "cohort.csv"), env=env)  # fmt: skip
    other = hubctl("dataset", "load", "--site", SITE, "--dataset", CLAIMS,
                   str(folder / "claims.csv"), env=env)  # fmt: skip
    escrow = hubctl("dataset", "escrow", "--site", SITE, env=env)
    for result in (first, other, escrow):
        assert result.returncode == 0, result.stdout + result.stderr
    return {"folder": folder, "escrow": escrow}


@pytest.fixture(scope="module")
def primary(env: dict[str, str]) -> Any:
    return site_cloud(SITE, "LOCAL1", env).connect()


@pytest.fixture(scope="module")
def replica(env: dict[str, str]) -> Any:
    return site_cloud(SITE, "LOCAL2", env).connect()


def test_read_gives_back_the_loaded_bytes(loaded: dict[str, Any], env: dict[str, str]) -> None:
    result = hubctl("dataset", "read", "--site", SITE, "--dataset", COHORTS, "cohort.csv", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.encode() == PLAIN


def test_the_object_in_swift_is_ciphertext(loaded: dict[str, Any], primary: Any) -> None:
    stored = primary.object_store.download_object("cohort.csv", container=CONTAINER)
    assert stored != PLAIN and b"hba1c" not in stored and b"1001" not in stored
    assert len(stored) == len(PLAIN) + 12 + 16  # nonce and GCM tag around the ciphertext
    meta = primary.object_store.get_object_metadata("cohort.csv", container=CONTAINER).metadata
    assert meta["cipher"] == "AES-256-GCM" and meta["key-wrap"] == "AES-KW"


def test_each_load_writes_a_manifest_version_with_sha256(
    loaded: dict[str, Any], env: dict[str, str]
) -> None:
    import hashlib

    listing = hubctl("dataset", "list", "--site", SITE, "--dataset", COHORTS, "--format", "json",
                     env=env)  # fmt: skip
    assert listing.returncode == 0, listing.stderr
    data = json.loads(listing.stdout)
    assert data["versions"] == [1]
    entry = data["manifest"]["objects"]["cohort.csv"]
    assert entry["sha256"] == hashlib.sha256(PLAIN).hexdigest() and entry["size"] == len(PLAIN)


def test_escrow_records_hold_no_key_in_the_clear(loaded: dict[str, Any], replica: Any) -> None:
    records = [o.name for o in replica.object_store.objects(ESCROW, prefix=f"escrow/{COHORTS}/")]
    assert len(records) == 1
    record = json.loads(replica.object_store.download_object(records[0], container=ESCROW))
    assert record["wrapped"] and record["threshold"] == 2
    assert set(record["shares"]) == {"camille", "dominique", "sacha"}


def test_escrow_is_idempotent(loaded: dict[str, Any], env: dict[str, str]) -> None:
    again = hubctl("dataset", "escrow", "--site", SITE, env=env)
    assert again.returncode == 0 and "already escrowed" in again.stdout, again.stdout


def test_the_key_is_recoverable_from_escrow(loaded: dict[str, Any], env: dict[str, str]) -> None:
    proof = hubctl("dataset", "keys", "--site", SITE, "--dataset", COHORTS, "--prove", "escrow",
                   env=env)  # fmt: skip
    assert proof.returncode == 0, proof.stdout + proof.stderr
    assert "recovered from escrow" in proof.stdout


def test_two_of_three_custodians_recover_the_key(
    loaded: dict[str, Any], env: dict[str, str]
) -> None:
    proof = hubctl("dataset", "keys", "--site", SITE, "--dataset", COHORTS, "--prove", "shares",
                   "--custodian-key", custodian("camille"), "--custodian-key", custodian("sacha"),
                   env=env)  # fmt: skip
    assert proof.returncode == 0, proof.stdout + proof.stderr


def test_one_custodian_is_fewer_than_the_threshold(
    loaded: dict[str, Any], env: dict[str, str]
) -> None:
    proof = hubctl("dataset", "keys", "--site", SITE, "--dataset", COHORTS, "--prove", "shares",
                   "--custodian-key", custodian("camille"), env=env)  # fmt: skip
    assert proof.returncode == 1
    assert "1 custodian key(s) given (camille); 2 of the custodians" in proof.stderr


def test_a_custodian_key_that_is_not_theirs_is_refused_by_share(
    loaded: dict[str, Any], env: dict[str, str]
) -> None:
    wrong = f"camille={CUSTODIANS / 'dominique.agekey'}"
    proof = hubctl("dataset", "keys", "--site", SITE, "--dataset", COHORTS, "--prove", "shares",
                   "--custodian-key", wrong, "--custodian-key", custodian("sacha"),
                   env=env)  # fmt: skip
    assert proof.returncode == 1
    assert "/camille.age: the key in" in proof.stderr and "does not open this share" in proof.stderr


def _record_name(replica: Any, dataset: str) -> str:
    (name,) = [o.name for o in replica.object_store.objects(ESCROW, prefix=f"escrow/{dataset}/")]
    return str(name)


def test_a_share_from_another_dataset_is_refused_by_name(
    loaded: dict[str, Any], env: dict[str, str], replica: Any
) -> None:
    mine = json.loads(
        replica.object_store.download_object(_record_name(replica, COHORTS), container=ESCROW)
    )
    theirs = json.loads(
        replica.object_store.download_object(_record_name(replica, CLAIMS), container=ESCROW)
    )
    target = mine["shares"]["camille"]["object"]
    original = replica.object_store.download_object(target, container=ESCROW)
    foreign = replica.object_store.download_object(
        theirs["shares"]["camille"]["object"], container=ESCROW
    )
    replica.object_store.upload_object(container=ESCROW, name=target, data=foreign)
    try:
        proof = hubctl("dataset", "keys", "--site", SITE, "--dataset", COHORTS, "--prove",
                       "shares", "--custodian-key", custodian("camille"),
                       "--custodian-key", custodian("sacha"), env=env)  # fmt: skip
    finally:
        replica.object_store.upload_object(container=ESCROW, name=target, data=original)
    assert proof.returncode == 1
    assert f"{target}: this share is of site {SITE}, dataset {CLAIMS}" in proof.stderr


def test_an_altered_escrow_blob_is_refused_by_name(
    loaded: dict[str, Any], env: dict[str, str], replica: Any
) -> None:
    name = _record_name(replica, COHORTS)
    original = replica.object_store.download_object(name, container=ESCROW)
    record = json.loads(original)
    blob = bytearray(__import__("base64").b64decode(record["wrapped"]))
    blob[20] ^= 0x01
    record["wrapped"] = __import__("base64").b64encode(bytes(blob)).decode()
    replica.object_store.upload_object(container=ESCROW, name=name, data=json.dumps(record))
    try:
        proof = hubctl("dataset", "keys", "--site", SITE, "--dataset", COHORTS, "--prove",
                       "escrow", env=env)  # fmt: skip
    finally:
        replica.object_store.upload_object(container=ESCROW, name=name, data=original)
    assert proof.returncode == 1
    assert f"{ESCROW}/{name}: the escrow blob does not open" in proof.stderr


def test_a_corrupt_object_is_refused_by_name_and_left_as_it_was(
    loaded: dict[str, Any], env: dict[str, str], primary: Any, tmp_path: Path
) -> None:
    from hubctl.envelope import Sealed, get_sealed, put_sealed

    body, meta = get_sealed(primary, CONTAINER, "cohort.csv")
    altered = bytearray(body)
    altered[15] ^= 0x01
    put_sealed(primary, CONTAINER, "cohort.csv", Sealed(bytes(altered), meta))
    out = tmp_path / "out.csv"
    out.write_bytes(b"kept")
    try:
        result = hubctl("dataset", "read", "--site", SITE, "--dataset", COHORTS, "cohort.csv",
                        "--output", str(out), env=env)  # fmt: skip
        assert result.returncode == 1
        assert f"{CONTAINER}/cohort.csv: the object was altered or mislabelled" in result.stderr
        assert out.read_bytes() == b"kept"
    finally:
        put_sealed(primary, CONTAINER, "cohort.csv", Sealed(body, meta))


def test_an_unknown_dataset_is_a_usage_error(loaded: dict[str, Any], env: dict[str, str]) -> None:
    result = hubctl("dataset", "read", "--site", SITE, "--dataset", "nope", "x", env=env)
    assert result.returncode == 2
    assert "holds synthetic-cohorts, synthetic-claims" in result.stderr


@pytest.fixture(scope="module")
def drill_phase(
    loaded: dict[str, Any], env: dict[str, str], primary: Any, replica: Any
) -> Iterator[Any]:
    """The drill's dataset phase on a replica with one object altered: a second object is
    loaded, everything replicated, one replica object's ciphertext changed, then the phase runs
    into a scratch container that names the other dataset's key (as a DR site's would)."""
    import time

    from hubctl.datasets.recovery import CustodianKey
    from hubctl.deploy import site_config
    from hubctl.drill.datasets import recover_datasets
    from hubctl.envelope import Sealed, get_sealed, put_sealed

    folder = loaded["folder"]
    (folder / "cohort-2.csv").write_bytes(b"patient_id,age\n1003,71\n")
    more = hubctl("dataset", "load", "--site", SITE, "--dataset", COHORTS,
                  str(folder / "cohort-2.csv"), env=env)  # fmt: skip
    assert more.returncode == 0, more.stderr
    replicated = hubctl("replicate", "--site", SITE, env=env)
    assert replicated.returncode == 0, replicated.stdout + replicated.stderr
    body, meta = get_sealed(replica, f"{CONTAINER}-replica", "cohort.csv")
    altered = bytearray(body)
    altered[-1] ^= 0x01
    put_sealed(replica, f"{CONTAINER}-replica", "cohort.csv", Sealed(bytes(altered), meta))
    scratch = f"hub-{SITE}-drill-scratch"
    claims_meta = primary.object_store.get_container_metadata(f"hub-{SITE}-dataset-{CLAIMS}")
    key_ref = {k.lower(): v for k, v in claims_meta.metadata.items()}["data-key-ref"]
    primary.object_store.create_container(name=scratch)
    primary.object_store.set_container_metadata(scratch, **{"data-key-ref": key_ref})
    try:
        clock = time.monotonic
        yield (
            recover_datasets(
                replica,
                primary,
                site_config(SITE),
                "local-dr",
                {f"dataset-{COHORTS}": scratch},
                method="shares",
                custodian_keys=(
                    CustodianKey.parse(custodian("camille")),
                    CustodianKey.parse(custodian("dominique")),
                ),
                clock=clock,
                t0=clock(),
                started_at=datetime.now(UTC),
                observation=None,
            ),
            scratch,
        )
    finally:
        empty_container(primary, scratch)
        primary.object_store.delete_container(scratch)


def test_the_drill_phase_restores_what_verifies_and_names_what_does_not(
    drill_phase: Any, primary: Any
) -> None:
    recovered, scratch = drill_phase
    (cohorts,) = [d for d in recovered if d.dataset == COHORTS]
    assert cohorts.key_method == "shares" and cohorts.key_problems == []
    assert (cohorts.objects, cohorts.decrypted, cohorts.verified, cohorts.restored) == (2, 1, 1, 1)
    assert [(x.name, x.unreplicated) for x in cohorts.lost] == [("cohort.csv", False)]
    assert "cohort.csv: the object was altered or mislabelled" in cohorts.lost[0].reason
    written = {o.name for o in primary.object_store.objects(scratch)}
    assert "cohort.csv" not in written and "cohort-2.csv" in written


def test_the_drill_phase_reseals_under_the_dr_sites_key(drill_phase: Any, primary: Any) -> None:
    from hubctl.datasets.store import DatasetStore, KeyRing

    _, scratch = drill_phase
    store = DatasetStore(primary, "local-dr", COHORTS, scratch, KeyRing(primary))
    assert store.read("cohort-2.csv") == b"patient_id,age\n1003,71\n"
    manifest = store.manifest()
    assert (
        manifest is not None and manifest.version == 1 and set(manifest.objects) == {"cohort-2.csv"}
    )


def test_shredding_without_yes_changes_nothing(loaded: dict[str, Any], env: dict[str, str]) -> None:
    result = hubctl("dataset", "shred", "--site", SITE, "--dataset", CLAIMS, env=env)
    assert result.returncode == 2 and "Add --yes" in result.stderr
    again = hubctl("dataset", "read", "--site", SITE, "--dataset", CLAIMS, "claims.csv", env=env)
    assert again.returncode == 0, again.stderr


@pytest.fixture(scope="module")
def shredded(loaded: dict[str, Any], env: dict[str, str], tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("shred-evidence")
    replicated = hubctl("replicate", "--site", SITE, env=env)  # so a replica must be unreadable too
    assert replicated.returncode == 0, replicated.stdout + replicated.stderr
    result = hubctl("dataset", "shred", "--site", SITE, "--dataset", CLAIMS, "--yes",
                    "--reports", str(folder), env=env)  # fmt: skip
    return {"result": result, "folder": folder}


def test_shredding_passes_every_check_and_writes_its_evidence(shredded: dict[str, Any]) -> None:
    result = shredded["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    (record_file,) = shredded["folder"].glob(f"{SITE}-{CLAIMS}-shredded-*.json")
    record = json.loads(record_file.read_text())
    assert record["keys"] and record["orders"]
    assert record["escrow_versions_deleted"] >= 4  # a record and 3 shares
    assert all(check["passed"] for check in record["checks"]), record["checks"]
    opened = {c["check"] for c in record["checks"] if "no longer opens" in c["check"]}
    assert opened == {
        f"hub-{SITE}-dataset-{CLAIMS}/claims.csv no longer opens",
        f"hub-{SITE}-dataset-{CLAIMS}-replica/claims.csv no longer opens",
    }
    assert "AGE-SECRET-KEY" not in record_file.read_text()


def test_a_shredded_dataset_no_longer_reads(shredded: dict[str, Any], env: dict[str, str]) -> None:
    result = hubctl("dataset", "read", "--site", SITE, "--dataset", CLAIMS, "claims.csv", env=env)
    assert result.returncode == 1 and "cannot be read from Barbican" in result.stderr


def test_a_shredded_dataset_has_no_escrow_left(
    shredded: dict[str, Any], env: dict[str, str]
) -> None:
    result = hubctl("dataset", "keys", "--site", SITE, "--dataset", CLAIMS, "--prove", "escrow",
                    env=env)  # fmt: skip
    assert result.returncode == 1 and "no key escrowed" in result.stdout


def test_escrow_leaves_a_shredded_dataset_alone(
    shredded: dict[str, Any], env: dict[str, str]
) -> None:
    result = hubctl("dataset", "escrow", "--site", SITE, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{CLAIMS} key -: shredded" in result.stdout


def test_the_other_dataset_is_untouched_by_the_shredding(
    shredded: dict[str, Any], env: dict[str, str]
) -> None:
    result = hubctl("dataset", "read", "--site", SITE, "--dataset", COHORTS, "cohort.csv", env=env)
    assert result.returncode == 0 and result.stdout.encode() == PLAIN
