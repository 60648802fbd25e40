"""`hubctl verify --hosts`: the testinfra host suite (tests/host) over SSH against every host.

Each host is checked with its own role and the hardening settings it booted with (the compute
layer's `host_settings`: the site's NTP servers and package proxy, the administrators' key, a
data host's volume), through the site's SSH access (hubctl.hosts.access): the bastion directly,
every other host through it. Each host's run writes JUnit; its test cases become this report's
cases, one per host and measure, named by the measure and its BP-028 recommendation.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hubcore.paths import REPO_ROOT
from hubctl.hosts.access import SiteAccess
from hubctl.verify.model import Case
from infra.config import HubConfig
from infra.hardening import HardeningSettings
from infra.layers.compute import host_settings

SUITE = REPO_ROOT / "tests" / "host"
# Per host: the suite's own runtime is about a minute; a host that hangs must not hang verify.
HOST_TIMEOUT_S = 900


def public_key(private_key: Path) -> str:
    return subprocess.run(
        ["ssh-keygen", "-y", "-f", str(private_key)], capture_output=True, text=True, check=True
    ).stdout.strip()


def settings_for(
    config: HubConfig, role: str, access: SiteAccess, data_volume_id: str | None
) -> HardeningSettings:
    key = public_key(access.folder / "admin.key")
    return host_settings(config, key, data_volume_id if role == "data" else None)


def _cases(host: str, role: str, junit: Path, output: str) -> list[Case]:
    if not junit.is_file():
        return [Case(suite=host, name="host suite", passed=False, message=output[-2000:])]
    cases = []
    for node in ET.parse(junit).iter("testcase"):
        props = {p.get("name", ""): p.get("value", "") for p in node.iter("property")}
        measure = props.get("measure", "")
        name = node.get("name", "")
        title = f"{measure} ({props['bp028']})" if measure and "bp028" in props else name
        failure = node.find("failure")
        if failure is None:
            failure = node.find("error")
        skipped = node.find("skipped") is not None
        message = ""
        if failure is not None:
            message = (failure.get("message") or "") + "\n" + (failure.text or "")
        elif skipped:
            message = "skipped: a measure that cannot be checked is not a pass"
        cases.append(
            Case(
                suite=f"{host} ({role})",
                name=title,
                passed=failure is None and not skipped,
                message=message.strip(),
                properties={"host": host, "role": role, "test": name, **props},
            )
        )
    return cases or [Case(suite=host, name="host suite", passed=False, message="no test ran")]


def check_host(
    address: str,
    role: str,
    settings: HardeningSettings,
    access: SiteAccess,
    work: Path,
) -> list[Case]:
    settings_file = work / f"{address}.json"
    settings_file.write_text(settings.model_dump_json())
    junit = work / f"{address}.xml"
    argv = [
        sys.executable,
        "-m",
        "pytest",
        str(SUITE),
        "-q",
        "-p",
        "no:cacheprovider",
        # The measures only (the suite's own catalogue checks are not facts about the host).
        "-m",
        "measure",
        f"--ssh-config={access.config}",
        "--sudo",
        f"--hardening-settings={settings_file}",
        f"--hosts=ssh://{address}",
        f"--role={role}",
        f"--junitxml={junit}",
        "-o",
        "junit_family=xunit1",
    ]
    try:
        done = subprocess.run(
            argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=HOST_TIMEOUT_S, check=False
        )
        output = done.stdout + done.stderr
    except subprocess.TimeoutExpired:
        output = f"the host suite did not end within {HOST_TIMEOUT_S} s"
    return _cases(address, role, junit, output)


def check(
    hosts: list[tuple[str, str, str]],
    settings: Callable[[str, str], HardeningSettings],
    access: SiteAccess,
    say: Callable[[str], None] = print,
) -> list[Case]:
    """Run the suite on every (name, role, address) at once (each host works on its own vCPU);
    `settings(name, role)` gives each host's."""
    with tempfile.TemporaryDirectory(prefix="hubctl-verify-") as folder:

        def one(name: str, role: str, address: str) -> list[Case]:
            say(f"host suite on {name} ({role}, {address})")
            found = check_host(address, role, settings(name, role), access, Path(folder))
            failed = sum(not c.passed for c in found)
            say(f"  {name}: {len(found) - failed}/{len(found)} measures hold")
            return [c.model_copy(update={"suite": f"{name} ({role})"}) for c in found]

        with ThreadPoolExecutor(max_workers=max(len(hosts), 1)) as pool:
            results = [pool.submit(one, *host) for host in hosts]
            return [case for result in results for case in result.result()]
