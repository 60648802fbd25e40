"""The local cloud's upstream patches: applied only to the file they were written for."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from localcloud import patches

BEFORE = "def delete(rule):\n    run(['-D'] + rule.split())\n"
AFTER = "def delete(rule):\n    # flush instead\n    run(['-F'])\n"


def git_blob(text: str) -> str:
    """The blob id as git itself computes it: the specification patches.blob_id must meet."""
    return subprocess.run(
        ["git", "hash-object", "--stdin"], input=text, capture_output=True, text=True, check=True
    ).stdout.strip()


def write_patch(folder: Path, before: str = BEFORE, after: str = AFTER) -> Path:
    old, new = git_blob(before)[:10], git_blob(after)[:10]
    patch = folder / "fix.patch"
    patch.write_text(
        "Upstream commit abc, Launchpad bug 1.\n\n"
        "diff --git a/pkg/mod.py b/pkg/mod.py\n"
        f"index {old}..{new} 100644\n"
        "--- a/pkg/mod.py\n"
        "+++ b/pkg/mod.py\n"
        "@@ -1,2 +1,3 @@\n"
        " def delete(rule):\n"
        "-    run(['-D'] + rule.split())\n"
        "+    # flush instead\n"
        "+    run(['-F'])\n"
    )
    return patch


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "root" / "pkg").mkdir(parents=True)
    return tmp_path / "root"


def test_blob_id_is_gits():
    assert patches.blob_id(BEFORE.encode()) == git_blob(BEFORE)


def test_the_expected_file_is_patched_into_the_upstream_result(root, tmp_path):
    target = root / "pkg" / "mod.py"
    target.write_text(BEFORE)
    target.chmod(0o640)
    patch = patches.SourcePatch.read(write_patch(tmp_path), root)
    assert patch.apply() == "applied"
    assert target.read_text() == AFTER
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_patched_file_is_left_as_it_is(root, tmp_path):
    target = root / "pkg" / "mod.py"
    target.write_text(AFTER)
    before = target.stat().st_mtime_ns
    patch = patches.SourcePatch.read(write_patch(tmp_path), root)
    assert patch.apply() == "already applied"
    assert target.stat().st_mtime_ns == before


def test_any_other_file_is_refused_and_left_unchanged(root, tmp_path):
    target = root / "pkg" / "mod.py"
    other = BEFORE + "# one line more in a newer package\n"
    target.write_text(other)
    patch = patches.SourcePatch.read(write_patch(tmp_path), root)
    with pytest.raises(patches.PatchRefused) as refused:
        patch.apply()
    assert str(target) in str(refused.value)
    assert git_blob(other)[:10] in str(refused.value)
    assert git_blob(BEFORE)[:10] in str(refused.value)
    assert target.read_text() == other


def test_a_missing_file_is_refused(root, tmp_path):
    patch = patches.SourcePatch.read(write_patch(tmp_path), root)
    with pytest.raises(patches.PatchRefused, match="not installed"):
        patch.apply()


def test_a_hunk_that_does_not_give_the_announced_result_changes_nothing(root, tmp_path):
    target = root / "pkg" / "mod.py"
    target.write_text(BEFORE)
    # The index line promises a result the hunk does not produce.
    patch = patches.SourcePatch.read(write_patch(tmp_path, after=AFTER + "# more\n"), root)
    with pytest.raises(patches.PatchRefused, match="did not turn"):
        patch.apply()
    assert target.read_text() == BEFORE
    assert [p.name for p in target.parent.iterdir()] == ["mod.py"]


def test_a_patch_of_two_files_is_refused(tmp_path):
    text = write_patch(tmp_path).read_text()
    twice = tmp_path / "twice.patch"
    twice.write_text(text + text.split("\n\n", 1)[1].replace("pkg/mod.py", "pkg/other.py"))
    with pytest.raises(patches.PatchRefused, match="exactly one file"):
        patches.SourcePatch.read(twice)


def test_the_shipped_patch_is_neutrons_fix_for_bug_2038541():
    (patch,) = patches.shipped()
    # Blob ids of arp_protect.py before and after openstack/neutron 85b25009af (stable/zed).
    assert (patch.before, patch.after) == ("fede638cb4", "0c1b13be19")
    assert patch.target == Path(
        "/usr/lib/python3/dist-packages/neutron/plugins/ml2/drivers/linuxbridge/agent/"
        "arp_protect.py"
    )
    text = patch.file.read_text()
    for reference in ("2038541", "1879d925330af5598a105a8893ab6cfda9dc37e6", "85b25009af"):
        assert reference in text
