"""Neutron's fix for Launchpad 2038541, as installed: the Linux bridge agent's own code against
the real ebtables-nft of this machine, each run in a network namespace of its own."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from localcloud import patches

pytestmark = pytest.mark.dataplane

HARNESS = Path(__file__).with_name("ebtables_harness.py")
# git blob of arp_protect.py after openstack/neutron 85b25009af (stable/zed backport of 1879d92533)
FIXED_BLOB = "0c1b13be1959837f38daf2ffbcc6575c5289e73a"


def harness(*args: str, timeout: float) -> tuple[int | None, list[dict]]:
    """Run the harness in a fresh network namespace; (exit status or None if it ran out of
    time, its JSON lines)."""
    proc = subprocess.Popen(
        ["unshare", "--net", "/usr/bin/python3", str(HARNESS), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        status: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        status = None
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert lines, err
    return status, lines


def test_the_installed_agent_file_is_neutrons_fixed_one():
    installed = patches.shipped()[0].target
    assert patches.blob_id(installed.read_bytes()) == FIXED_BLOB


def test_a_ports_mac_rules_are_replaced_without_a_failed_command():
    status, lines = harness(timeout=60)
    assert status == 0, lines
    calls = [line for line in lines if "argv" in line]
    assert [c for c in calls if c["rc"] != 0] == []
    # The second pass replaced the port's one MAC rule by one holding both MACs, before DROP.
    assert lines[-1]["rules"] == [
        "-i tapharness0 --among-src fa:16:3e:1:2:3,fa:16:3e:a:b:c -j RETURN",
        "-j DROP",
    ]


def test_without_the_fix_the_agent_retries_the_delete_without_end(tmp_path):
    """The bug is real on this machine: the unpatched file loops on ebtables' exit 4."""
    original = tmp_path / "arp_protect.py"
    shipped = patches.shipped()[0]
    shutil.copy(shipped.target, original)
    subprocess.run(
        ["patch", "--reverse", "--batch", "--silent", str(original), str(shipped.file)],
        check=True,
    )
    assert patches.blob_id(original.read_bytes()).startswith(shipped.before)
    status, lines = harness(str(original), timeout=10)
    assert status is None, "the unpatched agent code returned: the bug did not reproduce"
    deletes = [c for c in lines if "argv" in c and "-D" in c["argv"] and "--among-src" in c["argv"]]
    assert len(deletes) >= 5
    assert {c["rc"] for c in deletes} == {4}
