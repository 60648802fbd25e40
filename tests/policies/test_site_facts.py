"""What a site is, decided once: site facts, the production of a DR site, private ranges."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import SITE_FACT_KEYS, load_layered_config
from hubcore.values import ConfigError, ConfigValue, Location
from policies.model import Status
from tests.policies.conftest import failures, statuses, with_config

DECIDED = "stack-site-facts-decided-once"
RANGES = "stack-site-ranges-private"


@pytest.fixture
def stacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "stacks"
    shutil.copytree(REPO_ROOT / "stacks", copy)
    monkeypatch.setenv("HUB_STACKS_DIR", str(copy))
    return copy


@pytest.mark.parametrize("key", SITE_FACT_KEYS)
def test_a_stack_file_that_redefines_a_site_fact_is_refused(stacks, key):
    path = stacks / "Pulumi.prod-network.yaml"
    path.write_text(path.read_text() + f'  {key}: "x"\n')
    with pytest.raises(ConfigError) as raised:
        load_layered_config("prod-network", stacks_dir=stacks)
    assert f"{key} is a site fact" in str(raised.value)
    assert "stacks/Pulumi.prod-network.yaml" in str(raised.value) or "prod-network" in str(
        raised.value
    )


def test_the_red_team_s_prod_stack_file_exits_2(stacks):
    from typer.testing import CliRunner

    from hubctl.cli import app

    path = stacks / "Pulumi.prod-network.yaml"
    path.write_text(path.read_text() + "  hub:production: false\n  openstack:region: GRA11\n")
    result = CliRunner().invoke(app, ["check", "--stack", "prod-network"])
    assert result.exit_code == 2
    assert "hub:production is a site fact" in result.stderr


def _from_engine(target, key: str, value: str):
    """The facts as the engine adapter builds them when its config carries `key`."""
    built = target("prod-network")
    config = dict(built.site.config)
    config[key] = ConfigValue(value, False, Location("the engine's config (Pulumi.yaml)"))
    return dataclasses.replace(built, site=dataclasses.replace(built.site, config=config))


def test_a_site_fact_the_engine_s_config_changes_is_a_violation(target):
    built = _from_engine(target, "hub:production", "false")
    [message] = failures(DECIDED, built)
    assert "hub:production is 'false'" in message and "site 'prod' says 'true'" in message


def test_a_site_fact_the_engine_s_config_adds_is_a_violation(target):
    built = _from_engine(target, "hub:aptProxy", "http://10.10.250.10:3142")
    [message] = failures(DECIDED, built)
    assert "does not set it" in message


def test_the_engine_s_config_repeating_the_site_s_value_passes(target):
    built = _from_engine(target, "hub:adminCidrs", '["10.255.0.0/24"]')
    assert statuses(DECIDED, built) == {Status.PASS}


def test_a_what_if_with_c_is_not_judged_as_a_redefinition(target):
    built = with_config(target("prod-network"), hub__production="false")
    assert statuses(DECIDED, built) == {Status.PASS}


def test_every_shipped_stack_keeps_its_site_facts(target):
    from hubcore.stackfiles import known_stacks

    for stack in known_stacks():
        assert statuses(DECIDED, target(stack)) == {Status.PASS}, stack


def test_the_dr_site_of_production_is_production(target):
    dr = target("dr-network")
    assert dr.site.protects_production and dr.site.production


def test_a_dr_site_that_denies_being_production_fails(target):
    dr = target("dr-network")
    values = dict(dr.site.sources.site_values)
    values["hub:production"] = ConfigValue("false", False, Location("stacks/sites.yaml", 1))
    sources = dataclasses.replace(dr.site.sources, site_values=values)
    config = {**dr.site.config, "hub:production": values["hub:production"]}
    site = dataclasses.replace(dr.site, sources=sources, config=config)
    built = dataclasses.replace(dr, site=site)
    [message] = failures(DECIDED, built)
    assert "protects production site 'prod'" in message


# --- the site's ranges --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stack", ["prod-network", "staging-network", "dr-network", "local-network"]
)
def test_the_shipped_sites_ranges_are_private(target, stack):
    assert statuses(RANGES, target(stack)) == {Status.PASS}


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [
        ("hub__networkCidr", "10.0.0.0/8", True),  # the whole of 10/8: still private
        ("hub__networkCidr", "10.0.0.0/7", False),  # one bit wider: 11/8 is public
        ("hub__networkCidr", "172.16.0.0/12", True),
        ("hub__networkCidr", "172.16.0.0/11", False),
        ("hub__networkCidr", "192.168.0.0/16", True),
        ("hub__networkCidr", "192.168.0.0/15", False),
        ("hub__networkCidr", "8.8.8.0/24", False),
        ("hub__adminCidrs", '["10.255.0.0/24", "0.0.0.0/0"]', False),
        ("hub__adminCidrs", '["fd00:10::/64"]', True),
        ("hub__adminCidrs", '["2001:db8::/32"]', False),
        ("hub__workspacePool", "100.64.0.0/16", False),  # carrier-grade NAT is not the site's
        ("hub__workspacePool", "10.110.0.0/16", True),
    ],
)
def test_a_range_at_and_past_private_space(target, key, value, ok):
    built = with_config(target("prod-network"), **{key: value})
    assert (Status.FAIL in statuses(RANGES, built)) is not ok


@pytest.mark.parametrize(
    ("proxy", "ok"),
    [
        ("http://10.10.250.10:3142", True),
        ("http://10.10.255.255:3142", True),  # the last address of the site's /16
        ("http://10.11.0.0:3142", False),  # the first one past it
        ("http://proxy.example:3142", False),  # a name: the rules need an address
        ("http://192.168.1.1:3142", False),  # private, but not the site's
    ],
)
def test_the_package_proxy_lies_inside_the_site(target, proxy, ok):
    built = with_config(target("prod-network"), hub__aptProxy=proxy)
    assert (Status.FAIL in statuses(RANGES, built)) is not ok


def test_a_range_that_is_not_a_cidr_fails_closed(target):
    built = with_config(target("prod-network"), hub__networkCidr="ten-ten")
    [message] = failures(RANGES, built)
    assert "not a CIDR" in message


def test_a_secret_range_fails_closed(target):
    built = target("prod-network")
    config = dict(built.site.config)
    config["hub:workspacePool"] = ConfigValue("[secret]", True, Location("x"))
    built = dataclasses.replace(built, site=dataclasses.replace(built.site, config=config))
    [message] = failures(RANGES, built)
    assert "secret" in message
