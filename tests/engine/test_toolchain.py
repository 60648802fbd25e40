"""The engine scripts/toolchain provides: the pinned CLI, the Python host and both plugins."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.engine.conftest import REPO, TOOLCHAIN, Pulumi, pinned

pytestmark = pytest.mark.engine


def installed_plugins(pulumi: Pulumi) -> list[dict[str, str]]:
    return list(json.loads(pulumi("plugin", "ls", "--json").stdout))


def test_pulumi_version_is_the_pinned_cli(pulumi: Pulumi) -> None:
    assert pulumi("version").stdout.strip() == "v" + pinned()["PULUMI_CLI_VERSION"]


def test_plugin_ls_lists_openstack_and_tls_at_the_sdk_versions(pulumi: Pulumi) -> None:
    plugins = {(p["name"], p["kind"]): p["version"] for p in installed_plugins(pulumi)}
    versions = pinned()
    assert plugins[("openstack", "resource")] == versions["OPENSTACK_PROVIDER_VERSION"]
    assert plugins[("tls", "resource")] == versions["TLS_PROVIDER_VERSION"]


def test_plugin_ls_lists_the_python_language_host(pulumi: Pulumi) -> None:
    plugins = {(p["name"], p["kind"]): p["version"] for p in installed_plugins(pulumi)}
    assert plugins[("python", "language")] == pinned()["PULUMI_PYTHON_SDK_VERSION"]


def test_plugin_versions_equal_the_python_sdk_pins(pulumi: Pulumi) -> None:
    pyproject = (REPO / "pyproject.toml").read_text()
    versions = pinned()
    assert f'"pulumi-openstack=={versions["OPENSTACK_PROVIDER_VERSION"]}"' in pyproject
    assert f'"pulumi-tls=={versions["TLS_PROVIDER_VERSION"]}"' in pyproject
    assert f'"pulumi=={versions["PULUMI_PYTHON_SDK_VERSION"]}"' in pyproject


def test_pulumi_about_reports_the_cli_the_python_host_and_both_plugins(
    pulumi: Pulumi, tmp_path: Path
) -> None:
    project = tmp_path / "about"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: about\nruntime: python\n")
    (project / "__main__.py").write_text("")
    about = json.loads(
        Pulumi(pulumi.env, project, {"PULUMI_BACKEND_URL": tmp_path.as_uri()})(
            "about", "--json"
        ).stdout
    )
    versions = pinned()
    assert about["cliAbout"]["version"] == versions["PULUMI_CLI_VERSION"]
    assert about["runtime"]["language"] == "python"
    assert re.fullmatch(r"3\.\d+\.\d+", about["runtime"]["version"])
    plugins = {(p["kind"], p["name"]): p["version"] for p in about["plugins"]}
    assert plugins == {
        ("language", "python"): versions["PULUMI_PYTHON_SDK_VERSION"],
        ("resource", "openstack"): versions["OPENSTACK_PROVIDER_VERSION"],
        ("resource", "tls"): versions["TLS_PROVIDER_VERSION"],
    }


def test_toolchain_env_turns_off_update_checks_and_leaves_the_backend_to_each_site(
    engine_env: dict[str, str],
) -> None:
    assert engine_env["PULUMI_SKIP_UPDATE_CHECK"] == "true"
    assert engine_env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] == "true"
    # hubctl gives the engine each site's own backend and refuses a PULUMI_BACKEND_URL naming
    # another one: the toolchain must not export a default that every site would then refuse.
    assert "PULUMI_BACKEND_URL" not in engine_env
    assert engine_env["PULUMI_HOME"] == str(REPO / ".toolchain" / "pulumi-home")


def test_the_bare_cli_is_logged_in_to_a_local_file_backend_never_a_hosted_service(
    engine_env: dict[str, str],
) -> None:
    credentials = json.loads((Path(engine_env["PULUMI_HOME"]) / "credentials.json").read_text())
    assert credentials["current"].startswith("file:///")
    assert credentials["accessTokens"] == {}


def test_toolchain_is_idempotent_and_fast_when_cached(engine_env: dict[str, str]) -> None:
    second = subprocess.run(
        [str(TOOLCHAIN)], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    assert "up to date" in second.stderr or "using" in second.stderr
