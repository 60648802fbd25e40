"""Region family: EU catalogue regions only, fail closed, nearest allowed region named."""

from __future__ import annotations

import dataclasses

import pytest

from hubcore.catalogue import load_catalogue
from policies.model import Status
from tests.policies.conftest import REMOVE, failures, find, mutate, statuses, with_config

PROVIDER = "providers:openstack"


@pytest.mark.parametrize("stack", ["prod-network", "staging-kms", "dr-storage", "local-compute"])
def test_shipped_providers_are_in_eu_regions(target, stack):
    stack_target = target(stack)
    assert failures("region-eu-only", stack_target, find(stack_target, PROVIDER)) == []


@pytest.mark.parametrize("region", ["UK1", "BHS5", "SGP1", "US-EAST-VA-1", "AP-SOUTHEAST-SYD"])
def test_a_provider_in_a_known_non_eu_region_fails_naming_the_nearest_eu_region(target, region):
    changed, provider = mutate(
        target("staging-network"), find(target("staging-network"), PROVIDER), region=region
    )
    [message] = failures("region-eu-only", changed, provider)
    nearest = load_catalogue().nearest_eu_region(region)
    assert "outside the European Union" in message and nearest.code in message


@pytest.mark.parametrize("region", ["MARS1", "GRA-11", "sgb5", "EU-CENTRAL-ZRH", "EU-NORTH-LZ-OSL"])
def test_an_unknown_or_misspelled_region_fails_closed(target, region):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), region=region)
    [message] = failures("region-eu-only", changed, provider)
    assert "does not know" in message
    assert load_catalogue().nearest_eu_region(region).code in message


def test_a_misspelled_region_is_matched_to_the_region_it_resembles(target):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), region="GRA-11")
    [message] = failures("region-eu-only", changed, provider)
    assert "Use GRA11" in message


@pytest.mark.parametrize("region", ["GRA11", "GRA", "EU-WEST-PAR-A", "RBX", "EU-WEST-RBX-SNC"])
def test_eu_regions_pass_as_the_catalogue_spells_them(target, region):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), region=region)
    assert statuses("region-eu-only", changed, provider) == {Status.PASS}


@pytest.mark.parametrize(
    ("region", "meant"),
    [
        ("gra11", "GRA11"),
        (" GRA11", "GRA11"),
        ("GRA11 ", "GRA11"),
        ("eu-west-rbx-snc", "EU-WEST-RBX-SNC"),
    ],
)
def test_a_region_is_judged_as_the_provider_sends_it_not_normalised(target, region, meant):
    """OpenStack region names are exact: the provider sends ` GRA11` as written."""
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), region=region)
    [message] = failures("region-eu-only", changed, provider)
    assert f"Write {meant!r}" in message


def test_a_provider_without_region_fails_because_the_environment_would_choose(target):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), region=REMOVE)
    [message] = failures("region-eu-only", changed, provider)
    assert "sets no region" in message


def test_a_resource_that_sets_its_own_non_eu_region_fails(target):
    compute = target("staging-compute")
    changed, volume = mutate(compute, find(compute, "volume:Volume"), region="SGP1")
    [message] = failures("region-eu-only", changed, volume)
    assert "'SGP1'" in message and "Volume" in message


def test_a_resource_that_inherits_its_provider_region_is_not_judged_itself(target):
    compute = target("staging-compute")
    assert statuses("region-eu-only", compute, find(compute, "volume:Volume")) == {
        Status.NOT_APPLICABLE
    }


US_IDENTITY = "https://auth.us.cloud.ovh.us/v3"


def test_a_us_identity_endpoint_fails_whatever_the_region_says(target):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), authUrl=US_IDENTITY)
    assert provider.get("region") == "GRA11"
    [message] = failures("region-identity-endpoint-eu", changed, provider)
    assert "OVHcloud US" in message and "GRA11" in message


def test_the_eu_identity_endpoint_passes(target):
    staging = target("staging-network")
    assert statuses("region-identity-endpoint-eu", staging, find(staging, PROVIDER)) == {
        Status.PASS
    }


def test_a_secret_identity_endpoint_is_judged_offline_through_its_companion_domain(target):
    prod = target("prod-network")
    provider = find(prod, PROVIDER)
    assert provider.is_secret("authUrl") and prod.site.text("hub:identityDomain")
    assert statuses("region-identity-endpoint-eu", prod, provider) == {Status.PASS}


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("evil.example", "no provider"),
        ("cloud.ovh.us", "OVHcloud US"),
        ("outscale.com", "another operator"),
    ],
)
def test_a_companion_domain_outside_the_region_s_eu_operator_fails(target, domain, expected):
    prod = with_config(target("prod-network"), hub__identityDomain=domain)
    [message] = failures("region-identity-endpoint-eu", prod, find(prod, PROVIDER))
    assert expected in message


def test_a_secret_identity_endpoint_without_companion_fails_closed(target):
    prod = target("prod-network")
    config = {k: v for k, v in prod.site.config.items() if k != "hub:identityDomain"}
    bare = dataclasses.replace(prod, site=dataclasses.replace(prod.site, config=config))
    [message] = failures("region-identity-endpoint-eu", bare, find(bare, PROVIDER))
    assert "could not be judged" in message and "hub:identityDomain" in message


def test_a_provider_without_identity_endpoint_fails_because_the_environment_would_choose(target):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), authUrl=REMOVE)
    [message] = failures("region-identity-endpoint-eu", changed, provider)
    assert "OS_AUTH_URL" in message
