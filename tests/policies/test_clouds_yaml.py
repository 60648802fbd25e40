"""clouds.yaml and its companions as the OpenStack provider reads them (gophercloud/utils
clientconfig at the version the toolchain builds), and the OS_* variables the provider falls
back on. Expected behaviour is gophercloud's, read from its source (requests.go, utils.go)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from policies import clouds_yaml
from policies.evaluate import Target
from policies.model import ResourceView, Status
from tests.policies.conftest import REMOVE, failures, find, mutate, statuses

EU_AUTH = "https://auth.cloud.ovh.net/v3"
US_AUTH = "https://auth.us.cloud.ovh.us/v3"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory and a home of their own, no OS_* variable from the caller."""
    for name in ("OS_CLIENT_CONFIG_FILE", "OS_CLOUD", "OS_REGION_NAME", "OS_AUTH_URL"):
        monkeypatch.delenv(name, raising=False)
    user_home = tmp_path / "home"
    monkeypatch.setattr(clouds_yaml, "home", lambda: user_home)
    project = tmp_path / "project"
    project.mkdir()
    return project


def write(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def entry(project: Path, name: str = "hub", region: str | None = None) -> clouds_yaml.CloudEntry:
    return clouds_yaml.cloud_entry(name, region, directory=project)


def test_the_project_directory_comes_before_the_home_and_etc(home):
    write(home / "clouds.yaml", {"clouds": {"hub": {"region_name": "GRA11"}}})
    write(
        clouds_yaml.home() / ".config/openstack/clouds.yaml",
        {"clouds": {"hub": {"region_name": "UK1"}}},
    )
    assert entry(home).regions == ("GRA11",)


def test_every_yaml_place_comes_before_any_yml_one(home):
    write(home / "clouds.yml", {"clouds": {"hub": {"region_name": "UK1"}}})
    write(
        clouds_yaml.home() / ".config/openstack/clouds.yaml",
        {"clouds": {"hub": {"region_name": "GRA11"}}},
    )
    assert entry(home).regions == ("GRA11",)


def test_os_client_config_file_wins_when_it_exists(home, tmp_path, monkeypatch):
    write(home / "clouds.yaml", {"clouds": {"hub": {"region_name": "GRA11"}}})
    chosen = write(tmp_path / "chosen.yaml", {"clouds": {"hub": {"region_name": "SBG5"}}})
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(chosen))
    assert entry(home).regions == ("SBG5",)


def test_a_missing_os_client_config_file_falls_back_to_the_search_path(home, monkeypatch):
    write(home / "clouds.yaml", {"clouds": {"hub": {"region_name": "GRA11"}}})
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(home / "absent.yaml"))
    assert entry(home).regions == ("GRA11",)


def test_secure_yaml_is_merged_over_the_entry(home):
    write(home / "clouds.yaml", {"clouds": {"hub": {"auth": {"auth_url": EU_AUTH}}}})
    write(home / "secure.yaml", {"clouds": {"hub": {"auth": {"auth_url": US_AUTH}}}})
    found = entry(home)
    assert found.auth_url == US_AUTH and len(found.files) == 2


def test_an_empty_value_never_overrides(home):
    write(home / "clouds.yaml", {"clouds": {"hub": {"auth": {"auth_url": EU_AUTH}}}})
    write(home / "secure.yaml", {"clouds": {"hub": {"auth": {"auth_url": ""}}}})
    assert entry(home).auth_url == EU_AUTH


def test_a_profile_comes_from_clouds_public_yaml_only(home):
    write(home / "clouds.yaml", {"clouds": {"hub": {"profile": "ovh"}}})
    found = entry(home)
    assert not found.usable and "no built-in vendor profiles" in (found.problem or "")
    write(
        home / "clouds-public.yaml",
        {"public-clouds": {"ovh": {"region_name": "GRA11", "auth": {"auth_url": EU_AUTH}}}},
    )
    assert entry(home).regions == ("GRA11",)


def test_the_entry_overrides_its_profile(home):
    write(home / "clouds.yaml", {"clouds": {"hub": {"profile": "p", "region_name": "SBG5"}}})
    write(home / "clouds-public.yaml", {"public-clouds": {"p": {"region_name": "UK1"}}})
    assert entry(home).regions == ("SBG5",)


def test_per_region_values_apply_to_the_provider_s_region(home):
    write(
        home / "clouds.yaml",
        {
            "clouds": {
                "hub": {
                    "auth": {"auth_url": EU_AUTH},
                    "regions": [
                        "GRA11",
                        {"name": "SBG5", "values": {"auth": {"auth_url": US_AUTH}}},
                    ],
                }
            }
        },
    )
    assert entry(home, region="GRA11").auth_url == EU_AUTH
    assert entry(home, region="SBG5").auth_url == US_AUTH


@pytest.mark.parametrize(
    ("verify", "insecure"),
    [(False, True), ("no", True), ("off", True), ("N", True), (True, False), ("yes", False)],
)
def test_verify_is_read_as_go_yaml_reads_a_boolean(home, verify, insecure):
    write(home / "clouds.yaml", {"clouds": {"hub": {"verify": verify}}})
    assert entry(home).insecure is insecure


def test_a_verify_the_provider_cannot_read_makes_the_entry_unusable(home):
    write(home / "clouds.yaml", {"clouds": {"hub": {"verify": "maybe"}}})
    assert not entry(home).usable


def test_openstacksdk_s_endpoint_overrides_are_not_what_the_provider_reads(home):
    write(
        home / "clouds.yaml",
        {"clouds": {"hub": {"region_name": "GRA11", "compute_endpoint_override": "https://x.us"}}},
    )
    found = entry(home)
    assert found.usable and found.urls == ()


def test_a_duplicate_key_makes_the_file_unreadable(home):
    (home / "clouds.yaml").write_text(
        "clouds:\n  hub:\n    region_name: GRA11\n    region_name: UK1\n"
    )
    found = entry(home)
    assert not found.usable and "given twice" in (found.problem or "")


def test_an_alias_bomb_is_refused_quickly_by_the_bounded_reader(home):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines.append("clouds: {hub: {region_name: *a8}}")
    (home / "clouds.yaml").write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    found = entry(home)
    assert time.perf_counter() - started < 2.0
    assert not found.usable and "expand" in (found.problem or "")


def test_a_directory_named_by_os_client_config_file_is_unreadable(home, monkeypatch):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(home))
    assert not entry(home).usable


# --- the OS_* variables the provider falls back on ---------------------------------------------


def _bare_provider(target: Any, **changes: Any) -> tuple[Target, ResourceView]:
    staging = target("staging-network")
    return mutate(staging, find(staging, "providers:openstack"), **changes)


def _refresh(built: Target) -> Target:
    import dataclasses

    from policies.facts import site_facts

    return dataclasses.replace(built, site=site_facts(built.name, built.site.config))


def test_a_provider_without_a_region_reads_os_region_name(target, monkeypatch):
    monkeypatch.setenv("OS_REGION_NAME", "US-EAST-VA-1")
    changed, provider = _bare_provider(target, region=REMOVE)
    [message] = failures("region-eu-only", _refresh(changed), provider)
    assert "US-EAST-VA-1" in message


def test_a_provider_without_an_identity_endpoint_reads_os_auth_url(target, monkeypatch):
    monkeypatch.setenv("OS_AUTH_URL", US_AUTH)
    changed, provider = _bare_provider(target, authUrl=REMOVE)
    assert failures("region-identity-endpoint-eu", _refresh(changed), provider)


def test_an_inline_setting_wins_over_the_environment(target, monkeypatch):
    monkeypatch.setenv("OS_REGION_NAME", "US-EAST-VA-1")
    staging = _refresh(target("staging-network"))
    provider = find(staging, "providers:openstack")
    assert statuses("region-eu-only", staging, provider) == {Status.PASS}


@pytest.mark.parametrize(("value", "fails"), [("true", True), ("1", True), ("false", False)])
def test_os_insecure_is_read_when_the_provider_sets_none(target, monkeypatch, value, fails):
    monkeypatch.setenv("OS_INSECURE", value)
    changed, provider = _bare_provider(target, insecure=REMOVE)
    found = failures("endpoints-transport-security", _refresh(changed), provider)
    assert bool(found) is fails


def test_os_cloud_names_the_entry_when_the_provider_sets_none(target, home, monkeypatch):
    monkeypatch.setenv("OS_CLOUD", "missing")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(write(home / "c.yaml", {"clouds": {}})))
    changed, provider = _bare_provider(target)
    [message] = failures("endpoints-cloud-entry", _refresh(changed), provider)
    assert "'missing'" in message and "OS_CLOUD" in message
