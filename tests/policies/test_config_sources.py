"""Every source of configuration the engine and the providers read: the project file, a stack
file's every key, provider config keys, the environment, the engine's login. Each case changes
one source of a shipped stack and reads the facts again, as `hubctl check` does."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from policies import facts
from policies.config_sources import ENVIRONMENT, PROJECT_FILE, STACK_FILE, classify_variable
from policies.evaluate import Target
from policies.model import Sources, Status
from policies.properties import Refused
from tests.policies.conftest import failures, statuses, with_config

SOURCES = "stack-config-sources"
ENV = "stack-environment"
BACKEND = "stack-sovereign-backend"
SECRETS = "stack-sovereign-secrets-provider"


def rebuilt(target: Any, stack: str = "prod-network", **config: str) -> Target:
    """The stack's target with its facts read again (after the environment or a file changed)."""
    built = with_config(target(stack), **config) if config else target(stack)
    site = facts.site_facts(built.name, built.site.config)
    return dataclasses.replace(built, site=site)


def sources_of(built: Target) -> Sources:
    assert built.site.sources is not None
    return built.site.sources


def with_project(built: Target, project: dict[str, Any]) -> Target:
    sources = dataclasses.replace(sources_of(built), project=project)
    return dataclasses.replace(built, site=dataclasses.replace(built.site, sources=sources))


def with_stack_file(built: Target, **fields: Any) -> Target:
    values = {**sources_of(built).stack_file, **{k: (v, 9) for k, v in fields.items()}}
    sources = dataclasses.replace(sources_of(built), stack_file=values)
    return dataclasses.replace(built, site=dataclasses.replace(built.site, sources=sources))


# --- the project file ----------------------------------------------------------------------------


def test_the_repository_s_project_file_passes(target):
    assert statuses(SOURCES, rebuilt(target)) == {Status.PASS}


def test_every_key_pulumi_reads_in_a_project_file_is_classified():
    """pulumi/pulumi sdk/go/common/workspace/project.go, Project's yaml fields (v3.274.0)."""
    assert set(PROJECT_FILE) == {
        "name", "runtime", "main", "description", "author", "website", "license", "config",
        "stackConfigDir", "template", "backend", "options", "packages", "plugins",
        "requiredPulumiVersion",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"config": {"hub:production": False}}, "project-wide config"),
        ({"config": {"hub:classification": {"default": "internal"}}}, "project-wide config"),
        ({"plugins": {"providers": [{"name": "openstack", "path": "/tmp/p"}]}}, "plugin binaries"),
        ({"packages": {"x": "github.com/x/y"}}, "package references"),
        ({"main": "other/"}, "another program directory"),
        ({"runtime": "nodejs"}, "runtime"),
        ({"stackConfigDir": "elsewhere"}, "stackConfigDir"),
        ({"options": {"refresh": "always", "sneaky": True}}, "options"),
        ({"x-anything": 1}, "top-level key 'x-anything'"),
    ],
)
def test_a_project_file_key_the_pack_refuses_is_a_violation(target, change, expected):
    built = rebuilt(target)
    project = {**(sources_of(built).project or {}), **change}
    [message] = failures(SOURCES, with_project(built, project))
    assert expected in message


def test_a_project_file_that_cannot_be_read_fails_closed(target, tmp_path, monkeypatch):
    broken = tmp_path / "Pulumi.yaml"
    broken.write_text("name: hub\nname: again\n")
    monkeypatch.setattr(facts, "PROJECT_FILE", broken)
    monkeypatch.setattr(facts.project_file, "__defaults__", (broken,))
    [message] = failures(SOURCES, rebuilt(target))
    assert "Pulumi.yaml cannot be judged" in message and "given twice" in message


def test_a_project_backend_is_judged_as_the_engine_s(target):
    built = with_project(
        rebuilt(target), {"name": "hub", "backend": {"url": "https://api.pulumi.com"}}
    )
    assert any("Pulumi Cloud" in m for m in failures(BACKEND, built))


# --- a stack file's every key --------------------------------------------------------------


def test_every_key_pulumi_reads_in_a_stack_file_is_classified():
    """ProjectStack's yaml fields (project.go): secretsprovider, encryptedkey, encryptionsalt,
    config, environment."""
    assert set(STACK_FILE) == {
        "config", "encryptionsalt", "encryptedkey", "secretsprovider", "environment"
    }  # fmt: skip


def test_an_esc_environment_in_the_stack_file_is_refused(target):
    built = with_stack_file(rebuilt(target), environment=["hub/prod"])
    [message] = failures(SOURCES, built)
    assert "environment" in message and "Pulumi Cloud" in message


@pytest.mark.parametrize(
    ("provider", "ok"),
    [("passphrase", True), ("hashivault://hub", True), ("awskms://alias/x", False),
     ("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", False)],
)  # fmt: skip
def test_the_stack_file_s_own_secrets_provider_is_judged(target, provider, ok):
    built = with_stack_file(rebuilt(target), secretsprovider=provider)
    assert (Status.FAIL in statuses(SECRETS, built)) is not ok


def test_an_encrypted_key_without_its_provider_fails_closed(target):
    built = with_stack_file(rebuilt(target), encryptedkey="AAAA")
    [message] = failures(SECRETS, built)
    assert "encryptedkey but no secretsprovider" in message


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [
        ("openstack__swauth", "true", False),
        ("openstack__swauth", "false", True),
        ("openstack__maxRetries", "3", True),
        ("openstack__noSuchSetting", "1", False),
        ("tls__proxy", '{"url": "http://p.example:3128"}', False),
    ],
)
def test_provider_keys_of_the_config_are_settings_of_the_schema(target, key, value, ok):
    built = rebuilt(target, **{key: value})
    assert (Status.FAIL in statuses(SOURCES, built)) is not ok


def test_a_configuration_the_engine_could_not_read_fails_closed(target):
    built = target("prod-network")
    site = facts.site_facts(built.name, built.site.config, config_problem="stacks/x: broken")
    [message] = failures(SOURCES, dataclasses.replace(built, site=site))
    assert "cannot be read: stacks/x: broken" in message


# --- the environment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PULUMI_API", "https://api.pulumi.com"),
        ("PULUMI_ACCESS_TOKEN", "pul-123"),
        ("PULUMI_DEBUG_PROVIDERS", "openstack:12345"),
        ("PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES", "openstack=https://x.example"),
        ("PULUMI_OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example"),
        ("PULUMI_TEST_MODE", "true"),  # a variable of the engine's family the pack does not know
        ("OS_SOMETHING_NEW", "1"),
        ("OS_SWAUTH", "true"),
    ],
)
def test_a_refused_or_unknown_variable_is_a_violation_naming_it(target, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    messages = failures(ENV, rebuilt(target))
    assert any(name in m for m in messages)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OS_SWAUTH", "false"),
        ("OS_PASSWORD", "x"),
        ("PULUMI_SKIP_UPDATE_CHECK", "true"),
        ("PULUMI_CONFIG_PASSPHRASE", "x"),
        ("PULUMI_CI_BUILD_ID", "42"),
        ("HTTPS_PROXY", "http://127.0.0.1:3128"),
        ("HTTPS_PROXY", "http://10.10.1.1:3128"),
        ("PULUMI_LOG_OTLP_ENDPOINT", "localhost:43821"),  # the engine's own collector
        ("UNRELATED_VARIABLE", "anything"),
    ],
)
def test_a_known_harmless_variable_passes(target, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert Status.FAIL not in statuses(ENV, rebuilt(target))


def test_a_proxy_beyond_this_machine_and_the_site_is_refused(target, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.us:3128")
    [message] = failures(ENV, rebuilt(target))
    assert "HTTPS_PROXY" in message


def test_credentials_are_judged_by_name_and_never_kept():
    found = facts.environment({"OS_PASSWORD": "hunter2", "PULUMI_CONFIG_PASSPHRASE": "p"})
    assert found == {"OS_PASSWORD": "[set]", "PULUMI_CONFIG_PASSPHRASE": "[set]"}


def test_every_refused_variable_has_a_reason():
    refused = [n for n, v in ENVIRONMENT.items() if isinstance(v, Refused) and len(v.reason) < 10]
    assert refused == []
    assert isinstance(classify_variable("PULUMI_NEVER_HEARD_OF"), Refused)
    assert classify_variable("HOME") is None


@pytest.mark.parametrize(
    ("name", "value", "ok"),
    [("PULUMI_BACKEND_URL", "file:///tmp/state", True),
     ("PULUMI_BACKEND_URL", "https://api.pulumi.com", False),
     ("PULUMI_BACKEND_URL", "s3://b?endpoint=s3.gra.io.cloud.ovh.net", True),
     ("PULUMI_BACKEND_URL", "s3://b", False),
     ("HUB_STATE_BACKEND", "azblob://container", False)],
)  # fmt: skip
def test_the_engine_s_backend_from_the_environment_is_judged(target, monkeypatch, name, value, ok):
    monkeypatch.setenv(name, value)
    assert (Status.FAIL in statuses(BACKEND, rebuilt(target))) is not ok


def _login(home: Path, current: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "credentials.json").write_text(json.dumps({"current": current, "accessTokens": {}}))


def test_the_current_login_is_the_engine_s_backend_when_nothing_else_says(
    target, tmp_path, monkeypatch
):
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path))
    _login(tmp_path, "https://api.pulumi.com")
    [message] = failures(BACKEND, rebuilt(target))
    assert "pulumi login" in message and "Pulumi Cloud" in message


def test_the_backend_variable_wins_over_the_login_as_in_the_engine(target, tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_BACKEND_URL", "file:///tmp/state")
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path))
    _login(tmp_path, "https://api.pulumi.com")
    assert Status.FAIL not in statuses(BACKEND, rebuilt(target))


def test_a_login_file_that_cannot_be_read_fails_closed(target, tmp_path, monkeypatch):
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path))
    (tmp_path / "credentials.json").write_text("{not json")
    [message] = failures(BACKEND, rebuilt(target))
    assert "credentials.json" in message
