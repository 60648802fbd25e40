"""The sources the plugins are built from stay in step with the pinned Python SDKs."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.conftest import REPO, pinned

pytestmark = pytest.mark.engine

TOKENS = REPO / "tools" / "providers" / "openstack" / "tokens.txt"


def go() -> str:
    found = shutil.which("go") or "/usr/local/go/bin/go"
    assert Path(found).is_file(), "Go is needed to build the engine (scripts/toolchain)"
    return found


def test_openstack_token_list_is_the_installed_sdks(tmp_path: Path) -> None:
    # gen_openstack_tokens.py writes next to itself: run a copy so the check changes nothing.
    script = tmp_path / "gen_openstack_tokens.py"
    shutil.copy(REPO / "tools" / "providers" / "gen_openstack_tokens.py", script)
    (tmp_path / "openstack").mkdir()
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True, timeout=120)
    assert (tmp_path / "openstack" / "tokens.txt").read_text() == TOKENS.read_text()


def test_openstack_token_list_names_the_pinned_sdk_version() -> None:
    header = TOKENS.read_text().splitlines()[0]
    assert f"pulumi-openstack {pinned()['OPENSTACK_PROVIDER_VERSION']}" in header
    assert importlib.metadata.version("pulumi-openstack") == pinned()["OPENSTACK_PROVIDER_VERSION"]


def test_every_openstack_sdk_token_reaches_a_terraform_resource() -> None:
    # The Go tests of tools/providers match each SDK token to the upstream provider's schema.
    result = subprocess.run(
        [go(), "test", "./openstack/..."],
        cwd=REPO / "tools" / "providers",
        env={**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly -buildvcs=false"},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok  \tsovereignhub/tools/providers/openstack/tokenmap" in result.stdout
