"""Qualification and endpoints families."""

from __future__ import annotations

from policies.model import Status
from tests.policies.conftest import bare_site, failures, find, mutate, statuses, with_config

PROVIDER = "providers:openstack"


def test_production_health_data_on_a_secnumcloud_offer_passes(target):
    prod = target("prod-network")
    assert statuses("qualification-secnumcloud-production", prod, find(prod, PROVIDER)) == {
        Status.PASS
    }


def test_production_health_data_on_public_cloud_is_a_mandatory_violation(target):
    prod = target("prod-network", openstack__region="GRA11")
    [message] = failures("qualification-secnumcloud-production", prod, find(prod, PROVIDER))
    assert "GRA11" in message and "production health data" in message
    assert "EU-WEST-RBX-SNC" in message


def test_a_non_production_site_gets_the_advisory_rule_only(target):
    staging = target("staging-network")
    provider = find(staging, PROVIDER)
    assert statuses("qualification-secnumcloud-production", staging, provider) == {
        Status.NOT_APPLICABLE
    }
    [message] = failures("qualification-secnumcloud-advisory", staging, provider)
    assert "GRA11" in message


def test_the_shipped_dr_site_and_prod_replicas_run_on_a_qualified_offer(target):
    dr, storage = target("dr-network"), target("prod-storage")
    assert statuses("qualification-secnumcloud-production", dr, find(dr, PROVIDER)) == {Status.PASS}
    replica = find(storage, PROVIDER, "replica")
    assert statuses("qualification-secnumcloud-production", storage, replica) == {Status.PASS}


def test_a_production_replica_on_a_public_cloud_region_is_a_mandatory_violation(target):
    storage = target("prod-storage")
    changed, replica = mutate(storage, find(storage, PROVIDER, "replica"), region="SBG5")
    [message] = failures("qualification-secnumcloud-production", changed, replica)
    assert "replicas of production health data" in message
    assert statuses("qualification-secnumcloud-advisory", changed, replica) == {
        Status.NOT_APPLICABLE
    }


def test_the_site_protecting_production_is_production_whatever_it_declares(target):
    dr = with_config(target("dr-network"), hub__production="false", openstack__region="SBG5")
    provider = find(dr, PROVIDER)
    changed, provider = mutate(dr, provider, region="SBG5")
    assert changed.site.production is True
    [message] = failures("qualification-secnumcloud-production", changed, provider)
    assert "protects a production site" in message


def test_the_production_flag_comes_from_stack_config(target):
    staging = with_config(
        target("staging-network"), hub__production="true", hub__classification="health-data"
    )
    assert failures("qualification-secnumcloud-production", staging, find(staging, PROVIDER))


def test_without_stack_config_the_production_rule_cannot_apply(target):
    staging = bare_site(target("staging-network"))
    assert statuses("qualification-secnumcloud-production", staging, find(staging, PROVIDER)) == {
        Status.NOT_APPLICABLE
    }


def test_the_local_cloud_is_never_told_to_get_qualified(target):
    local = target("local-network")
    assert statuses("qualification-secnumcloud-advisory", local, find(local, PROVIDER)) == {
        Status.NOT_APPLICABLE
    }


def test_catalogue_endpoints_pass(target):
    staging = target("staging-network")
    assert statuses("endpoints-catalogue-provider", staging, find(staging, PROVIDER)) == {
        Status.PASS
    }


def test_an_identity_endpoint_of_no_catalogue_provider_fails(target):
    staging = target("staging-network")
    changed, provider = mutate(
        staging, find(staging, PROVIDER), authUrl="https://keystone.example-cloud.com/v3"
    )
    [message] = failures("endpoints-catalogue-provider", changed, provider)
    assert "keystone.example-cloud.com" in message and "auth.cloud.ovh.net" in message


def test_an_object_storage_override_of_no_catalogue_provider_fails(target):
    staging = target("staging-storage")
    changed, provider = mutate(
        staging,
        find(staging, PROVIDER),
        endpointOverrides={"object-store": "https://s3.amazonaws.com"},
    )
    [message] = failures("endpoints-catalogue-provider", changed, provider)
    assert "object-store endpoint" in message


def test_loopback_endpoints_pass_on_the_local_site(target):
    local = target("local-network")
    assert statuses("endpoints-loopback-local-only", local, find(local, PROVIDER)) == {Status.PASS}


def test_a_loopback_endpoint_on_a_real_region_fails(target):
    staging = target("staging-network")
    changed, provider = mutate(staging, find(staging, PROVIDER), authUrl="http://127.0.0.1:5000/v3")
    [message] = failures("endpoints-loopback-local-only", changed, provider)
    assert "loopback" in message and "GRA11" in message


def test_a_public_endpoint_on_the_local_region_fails(target):
    local = target("local-network")
    changed, provider = mutate(
        local, find(local, PROVIDER), authUrl="https://auth.cloud.ovh.net/v3"
    )
    [message] = failures("endpoints-loopback-local-only", changed, provider)
    assert "LOCAL1" in message
