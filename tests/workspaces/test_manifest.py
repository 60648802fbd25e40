"""The project manifest: what it accepts, and one clear line per problem it refuses."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from hubctl.workspaces.common import Site
from hubctl.workspaces.manifest import (
    KeyRules,
    ManifestError,
    check_ssh_key,
    load_manifest,
    ssh_key_strength,
)
from tests.workspaces.conftest import Manifests
from tests.workspaces.keys import dss_key, ecdsa_key, ed25519_key, rsa_key

REPO = Path(__file__).resolve().parents[2]


def problems(path: Path, site: Site) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, site.facts)
    return caught.value.problems


@pytest.mark.parametrize("project", ["diabetes-cohort", "claims-pathways"])
def test_the_shipped_local_manifests_are_valid(project: str, local_site: Site) -> None:
    manifest = load_manifest(REPO / "projects" / "local" / f"{project}.yaml", local_site.facts)
    assert manifest.id == project


def test_the_two_examples_differ_in_members_and_datasets(local_site: Site) -> None:
    a, b = (
        load_manifest(REPO / "projects" / "local" / f"{p}.yaml", local_site.facts)
        for p in ("diabetes-cohort", "claims-pathways")
    )
    assert {m.id for m in a.members}.isdisjoint({m.id for m in b.members})
    assert set(a.datasets) != set(b.datasets)


def test_a_valid_manifest_loads(projects: Manifests, local_site: Site) -> None:
    manifest = load_manifest(projects(), local_site.facts)
    assert [m.id for m in manifest.members] == ["alice", "bruno"]


def test_a_dataset_the_site_lacks_is_refused_with_the_allowed_ones(
    projects: Manifests, local_site: Site
) -> None:
    (line,) = problems(projects(datasets=["synthetic-cohorts", "imaging"]), local_site)
    assert "datasets[1] = 'imaging'" in line
    assert "synthetic-cohorts, synthetic-claims" in line


def test_an_expiry_after_the_authorisation_ends_is_refused(
    projects: Manifests, local_site: Site
) -> None:
    (line,) = problems(projects(expires="2031-07-01"), local_site)
    assert "after the authorisation ends (2031-06-30, MR-004)" in line


def test_an_expiry_before_the_start_is_refused(projects: Manifests, local_site: Site) -> None:
    (line,) = problems(projects(expires="2029-12-31"), local_site)
    assert "must come after starts" in line


def test_the_expiry_is_required(projects: Manifests, local_site: Site) -> None:
    (line,) = problems(projects(expires=None), local_site)
    assert "expires is required" in line


def test_a_workspace_longer_than_the_pack_allows_is_refused(
    projects: Manifests, local_site: Site
) -> None:
    # 1096 days is the pack's bound: 2027-01-01 + 1097 days = 2030-01-02.
    path = projects(starts="2027-01-01", expires="2030-01-02")
    (line,) = problems(path, local_site)
    assert "1097 days" in line and "at most 1096" in line


def test_a_workspace_exactly_as_long_as_the_bound_is_accepted(
    projects: Manifests, local_site: Site
) -> None:
    load_manifest(projects(starts="2027-01-01", expires="2030-01-01"), local_site.facts)


def test_an_rsa_key_under_3072_bits_is_refused(projects: Manifests, local_site: Site) -> None:
    members = [
        {"id": "carl", "email": "c@x.example", "role": "analyst", "sshPublicKey": rsa_key(2048)}
    ]
    (line,) = problems(projects(members=members), local_site)
    assert "members[0].sshPublicKey" in line and "RSA key of 2048 bits" in line


@pytest.mark.parametrize(
    ("key", "accepted"),
    [
        (rsa_key(3072), True),
        (rsa_key(4096), True),
        (rsa_key(3071), False),
        (ecdsa_key("nistp256"), True),
        (ecdsa_key("nistp521"), True),
        (ed25519_key(), True),
        (dss_key(), False),
        ("ssh-ed25519 not-base64!", False),
    ],
)
def test_ssh_keys_follow_the_pack_crypto_rules(key: str, accepted: bool) -> None:
    assert (check_ssh_key(key, KeyRules()) is None) is accepted


def test_ed25519_member_keys_follow_the_pack_s_decision() -> None:
    assert check_ssh_key(ed25519_key(), KeyRules(allow_ed25519=True)) is None
    refused = check_ssh_key(ed25519_key(), KeyRules(allow_ed25519=False))
    assert refused is not None and "Ed25519" not in refused.split("allowed:")[1]


def test_an_ecdsa_key_whose_point_is_not_on_its_curve_is_refused() -> None:
    kind, blob, _ = ecdsa_key("nistp384").split()
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1  # the point's last byte: no longer on P-384
    broken = f"{kind} {base64.b64encode(bytes(raw)).decode()}"
    refused = check_ssh_key(broken, KeyRules())
    assert refused is not None and "not a usable OpenSSH public key" in refused


def test_the_key_type_is_read_from_the_key_not_its_label() -> None:
    _, _, rest = ed25519_key().partition(" ")
    assert check_ssh_key(f"ssh-rsa {rest}", KeyRules()) is not None
    assert ssh_key_strength(rsa_key(3072)) == ("ssh-rsa", "3072")


def test_an_unknown_key_names_the_known_ones(projects: Manifests, local_site: Site) -> None:
    (line,) = problems(projects(budget=12), local_site)
    assert "budget = 12" in line and "known keys: id, title" in line


def test_the_id_must_match_the_file_name(projects: Manifests, local_site: Site) -> None:
    path = projects("right-name")
    path = path.rename(path.with_name("wrong-name.yaml"))
    (line,) = problems(path, local_site)
    assert "the id must be 'wrong-name'" in line


@pytest.mark.parametrize("reference", ["MR-007", "MR-4", "MR-000", "DR 2024/12"])
def test_an_authorisation_reference_is_a_decision_or_a_methodology(
    reference: str, projects: Manifests, local_site: Site
) -> None:
    path = projects(authorisation={"reference": reference, "ends": "2031-06-30"})
    (line,) = problems(path, local_site)
    assert "authorisation.reference" in line and "MR-001 to MR-006" in line


def test_health_data_on_an_internal_site_is_refused(projects: Manifests, local_site: Site) -> None:
    (line,) = problems(projects(classification="health-data"), local_site)
    assert "classified internal" in line


def test_every_problem_is_reported_at_once_with_its_line(
    projects: Manifests, local_site: Site
) -> None:
    members = [
        {"id": "carl", "email": "c@x.example", "role": "analyst", "sshPublicKey": rsa_key(1024)}
    ]
    path = projects(datasets=["imaging"], members=members)
    found = problems(path, local_site)
    assert len(found) == 2
    text = path.read_text().splitlines()
    dataset, key = (int(line.split(":")[1]) for line in found)
    assert "imaging" in text[dataset - 1]
    assert "sshPublicKey" in text[key - 1]


def test_a_member_role_is_investigator_or_analyst(projects: Manifests, local_site: Site) -> None:
    members = [{"id": "d", "email": "d@x.example", "role": "owner", "sshPublicKey": ed25519_key()}]
    (line,) = problems(projects(members=members), local_site)
    assert "members[0].role = 'owner'" in line and "'investigator' or 'analyst'" in line


def test_a_file_that_is_no_mapping_is_refused(projects: Manifests, local_site: Site) -> None:
    path = projects()
    path.write_text("- just\n- a list\n")
    (line,) = problems(path, local_site)
    assert "must be a YAML mapping" in line


def test_a_key_given_twice_is_refused(projects: Manifests, local_site: Site) -> None:
    path = projects()
    path.write_text(path.read_text() + "expires: '2030-06-30'\n")
    (line,) = problems(path, local_site)
    assert "'expires' is given twice" in line


def test_a_manifest_that_is_not_utf8_is_refused(projects: Manifests, local_site: Site) -> None:
    path = projects()
    path.write_bytes(path.read_bytes().replace(b"A test research project", b"Caf\xe9 project"))
    (line,) = problems(path, local_site)
    assert "not UTF-8" in line


def test_an_alias_bomb_is_refused_before_it_expands(projects: Manifests, local_site: Site) -> None:
    path = projects()
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 9)]
    path.write_text(path.read_text() + "\n".join(lines) + "\n")
    (line,) = problems(path, local_site)
    assert "nodes" in line
