"""The data-plane tier: a booted `local` site of the test session's own tenant.

It needs a local cloud whose hosts boot (`scripts/local-cloud mode` says `data-plane`):
`scripts/test` runs this tier on one, whichever kind the shared cloud is. The site is deployed
once per session with `hubctl up --site local` (the same command `make up` runs, waiting for
every host's first boot) into the session's tenant, with its state and SSH access files in
folders of the session, and destroyed at the end.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT
from localcloud.dataplane import IMAGE_RECORD
from localcloud.layout import default_layout

HUBCTL = str(REPO_ROOT / ".venv" / "bin" / "hubctl")
SITE = "local"


def run(
    argv: list[str], env: dict[str, str], timeout: float = 3600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


@dataclass
class BootedSite:
    env: dict[str, str]
    up: subprocess.CompletedProcess[str]
    ssh_dir: Path

    @property
    def hint(self) -> list[str]:
        """The `ssh -F ... -J ...` line `hubctl up` printed, as argv."""
        found = re.search(r"reach it: (ssh -F \S+ -J \S+ \S+)", self.up.stdout)
        assert found, self.up.stdout[-2000:]
        return found.group(1).split()

    def ssh(self, address: str, command: str) -> subprocess.CompletedProcess[str]:
        config = self.ssh_dir / SITE / "config"
        return run(["ssh", "-F", str(config), f"hubadmin@{address}", command], self.env, 600)

    def addresses(self) -> dict[str, str]:
        """Host name -> address, from the access config hubctl wrote."""
        text = (self.ssh_dir / SITE / "config").read_text()
        return {name: address for address, name in re.findall(r"Host (\S+)\n    # (\S+)", text)}

    def verify(self, *what: str, output: Path) -> tuple[int, list[ET.Element]]:
        done = run(
            [HUBCTL, "verify", "--site", SITE, *what, "--format", "junit", "--output", str(output)],
            self.env,
        )
        assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
        return done.returncode, list(ET.parse(output).iter("testcase"))


@pytest.fixture(scope="session")
def data_plane(local_cloud: dict[str, str]) -> dict[str, str]:
    mode = subprocess.run(
        [str(REPO_ROOT / "scripts/local-cloud"), "mode"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert mode == "data-plane", (
        f"the data-plane tier needs a local cloud whose hosts boot, this one is {mode}: "
        "scripts/test runs the tier on one"
    )
    return local_cloud


@pytest.fixture(scope="session")
def booted_site(
    data_plane: dict[str, str],
    deploy_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BootedSite]:
    ssh_dir = tmp_path_factory.mktemp("ssh")
    env = {**deploy_env, "HUB_SSH_DIR": str(ssh_dir)}
    up = run([HUBCTL, "up", "--site", SITE, "--wait-hosts"], env)
    site = BootedSite(env, up, ssh_dir)
    try:
        assert up.returncode == 0, up.stdout[-4000:] + up.stderr[-2000:]
        yield site
    finally:
        down = run([HUBCTL, "down", "--site", SITE], env)
        assert down.returncode == 0, down.stdout[-3000:]


def cloud_folder() -> Path:
    """The state folder of the cloud this tier runs on, found as scripts/local-cloud finds it:
    LOCAL_CLOUD_DIR, else this checkout's own cloud, else the one another checkout started in
    this namespace (a fresh clone, as in CI, next to a site `make up` deployed)."""
    return default_layout().state


def image_record() -> dict[str, str]:
    """What the data-plane cloud uploaded: image ids and certificate secrets."""
    record: dict[str, str] = json.loads((cloud_folder() / IMAGE_RECORD).read_text())
    return record
