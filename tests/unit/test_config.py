"""Typed stack config: the whole config is validated first, and errors say file, key and remedy."""

from __future__ import annotations

from ipaddress import IPv4Address
from pathlib import Path

import pytest

from hubcore.stackfiles import known_stacks, load_layered_config, parse_override
from hubcore.values import COMMAND_LINE, ConfigError
from infra.config import validate_config


def validated(stack: str, **overrides: str):
    return validate_config(stack, load_layered_config(stack, overrides))


def config_error(stack: str, overrides: dict[str, str]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        validate_config(stack, load_layered_config(stack, overrides))
    return caught.value


@pytest.mark.parametrize("stack", known_stacks())
def test_every_shipped_stack_validates(stack: str) -> None:
    config = validated(stack)
    assert config.stack == stack
    assert config.region.eu


def test_site_values_come_from_sites_yaml_with_their_line() -> None:
    values = load_layered_config("staging-network")
    region = values["openstack:region"]
    assert region.value == "GRA11"
    assert region.location.file == "stacks/sites.yaml"
    lines = Path("stacks/sites.yaml").read_text().splitlines()
    assert "openstack:region: GRA11" in lines[region.location.line - 1]  # type: ignore[operator]


def test_stack_file_values_override_site_values_and_keep_their_line() -> None:
    values = load_layered_config("prod-kms")
    auth = values["openstack:authUrl"]
    assert auth.secret
    assert auth.location.file == "stacks/Pulumi.prod-kms.yaml"
    assert auth.location.line is not None


def test_command_line_overrides_win_and_are_located_on_the_command_line() -> None:
    values = load_layered_config("staging-network", {"openstack:region": "SBG5"})
    assert values["openstack:region"].value == "SBG5"
    assert values["openstack:region"].location.file == COMMAND_LINE


def test_an_empty_region_is_rejected_with_a_suggestion() -> None:
    error = config_error("staging-network", {"openstack:region": ""})
    assert error.key == "openstack:region"
    assert "empty" in str(error) and "GRA11" in str(error)


def test_an_unknown_region_names_the_nearest_eu_region() -> None:
    error = config_error("staging-network", {"openstack:region": "sgb5"})
    assert error.key == "openstack:region"
    assert "unknown region 'sgb5'" in str(error)
    assert "SBG5" in str(error)


def test_a_known_region_outside_the_eu_is_valid_config() -> None:
    """Judging it is the policy pack's job, which must reject it."""
    config = validated("staging-network", **{"openstack:region": "UK1"})
    assert not config.region.eu


def test_a_type_error_names_the_key_and_the_value() -> None:
    error = config_error("staging-network", {"hub:production": "maybe"})
    assert error.key == "hub:production"
    assert "'maybe'" in str(error)
    assert "command line" in str(error)


def test_a_structured_value_with_a_missing_field_names_the_nested_key() -> None:
    error = config_error(
        "staging-compute", {"hub:sizes": '{"app": {"flavor": "b3-8", "count": 1}}'}
    )
    assert "hub:sizes.bastion" in str(error)


def test_an_unknown_key_is_rejected_with_the_list_of_known_keys() -> None:
    error = config_error("staging-network", {"hub:regoin": "GRA11"})
    assert error.key == "hub:regoin"
    assert "known keys" in str(error)


def test_a_missing_required_key_names_the_files_to_edit(tmp_path: Path) -> None:
    (tmp_path / "sites.yaml").write_text("sites:\n  lab:\n    openstack:region: GRA11\n")
    (tmp_path / "Pulumi.lab-network.yaml").write_text("config: {}\n")
    values = load_layered_config("lab-network", stacks_dir=tmp_path)
    with pytest.raises(ConfigError) as caught:
        validate_config("lab-network", values)
    assert "<missing>" in str(caught.value)
    assert "Pulumi.lab-network.yaml" in str(caught.value)


def test_a_private_identity_region_requires_an_endpoint(tmp_path: Path) -> None:
    site = Path("stacks/sites.yaml").read_text()
    (tmp_path / "sites.yaml").write_text(site)
    (tmp_path / "Pulumi.prod-network.yaml").write_text("config: {}\n")
    values = load_layered_config("prod-network", stacks_dir=tmp_path)
    with pytest.raises(ConfigError, match="private identity endpoint"):
        validate_config("prod-network", values)


def test_a_stack_file_that_is_not_yaml_is_reported_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "sites.yaml").write_text("sites:\n  lab: {}\n")
    (tmp_path / "Pulumi.lab-network.yaml").write_text("config: [unclosed\n")
    with pytest.raises(ConfigError, match=r"Pulumi\.lab-network\.yaml:2: not valid YAML"):
        load_layered_config("lab-network", stacks_dir=tmp_path)


def test_an_override_without_namespace_gets_the_project_namespace() -> None:
    assert parse_override("production=true") == ("hub:production", "true")
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_override("production")


@pytest.mark.parametrize("key", ["openstack:password", "openstack:applicationCredentialSecret"])
def test_credentials_in_stack_config_are_refused(key: str) -> None:
    error = config_error("staging-network", {key: "hunter2"})
    assert error.key == key
    assert "OS_*" in str(error) and "clouds.yaml" in str(error)


def test_a_package_proxy_inside_the_site_gives_the_address_to_open() -> None:
    config = validated("staging-network", **{"hub:aptProxy": "http://10.20.250.10:3142"})
    assert config.apt_proxy_endpoint == (IPv4Address("10.20.250.10"), 3142)


def test_a_package_proxy_outside_the_site_range_is_rejected() -> None:
    error = config_error("staging-network", {"hub:aptProxy": "http://192.0.2.10:3142"})
    assert error.key == "hub:aptProxy"
    assert "outside the site's range 10.20.0.0/16" in str(error)


@pytest.mark.parametrize(
    "value",
    ["http://proxy.hub.internal:3142", "http://10.20.250.10", "ftp://10.20.250.10:21"],
)
def test_a_package_proxy_must_be_an_address_and_port(value: str) -> None:
    error = config_error("staging-network", {"hub:aptProxy": value})
    assert error.key == "hub:aptProxy"
    assert "http://10.10.250.10:3142" in str(error)
