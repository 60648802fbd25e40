"""The closed world: the inventory, other clouds, and values the pack cannot read.

Every failing case differs from a real, passing resource of a shipped stack by the field under
test (or adds one resource of another kind next to the real ones).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from policies.config import PackConfig, PackConfigError
from policies.evaluate import Target, evaluate, run_rule
from policies.known_types import FOREIGN_CLOUDS, KNOWN_TYPES, in_inventory
from policies.model import SECRET_MASK, UNKNOWN_MASK, Context, ResourceView, Status
from policies.properties import judged_inputs
from policies.registry import REGISTRY, Scope
from policies.rules import all_rules
from tests.policies.conftest import ending, failures, find, mutate, statuses

PROVIDER = "providers:openstack"
SHIPPED_SAMPLE = ("prod-network", "prod-kms", "prod-storage", "prod-compute", "local-network")


def add(target: Target, *views: ResourceView) -> Target:
    return dataclasses.replace(target, resources=[*target.resources, *views])


def resource(target: Target, type_: str, name: str, **inputs: Any) -> ResourceView:
    """A resource of `type_` under the target's own OpenStack provider."""
    provider = find(target, PROVIDER)
    stack = target.name
    return ResourceView(
        urn=f"urn:pulumi:{stack}::hub::{type_}::{name}",
        type=type_,
        name=name,
        inputs=inputs,
        provider_urn=provider.urn,
        id=f"{name}-id",
    )


def foreign(stack: str, package: str, name: str, **inputs: Any) -> ResourceView:
    return ResourceView(
        urn=f"urn:pulumi:{stack}::hub::pulumi:providers:{package}::{name}",
        type=f"pulumi:providers:{package}",
        name=name,
        inputs=inputs,
    )


def of(provider: ResourceView, type_: str, name: str, **inputs: Any) -> ResourceView:
    return ResourceView(
        urn=f"{provider.urn.split('::')[0]}::hub::{type_}::{name}",
        type=type_,
        name=name,
        inputs=inputs,
        provider_urn=provider.urn,
    )


# --- the inventory ---------------------------------------------------------------------------


@pytest.mark.parametrize("stack", SHIPPED_SAMPLE)
def test_every_type_a_shipped_stack_declares_is_in_the_inventory(target, stack):
    outside = {r.type for r in target(stack).resources if not in_inventory(r.type)}
    assert outside == set()


@pytest.mark.parametrize("known", KNOWN_TYPES, ids=lambda k: k.token)
def test_every_inventory_type_is_judged_by_a_rule_that_names_it(known):
    """Beyond inventory-known-type itself, which applies to everything."""
    sample = known.token.replace("*", "Network")
    view = ResourceView(urn="urn:x", type=sample, name="x")
    naming = [
        rule.id
        for rule in all_rules()
        if rule.applies(view) and "*" not in rule.applies_to and rule.id != "inventory-known-type"
    ]
    assert naming or known.component or known.token.startswith("pulumi:providers:pulumi")


def test_the_inventory_rule_names_the_type_and_both_ways_to_admit_it(target):
    network = target("staging-network")
    dns = resource(network, "openstack:dns/zone:Zone", "hub-zone", email="ops@hub.example")
    [message] = failures("inventory-known-type", add(network, dns), dns)
    assert "'openstack:dns/zone:Zone'" in message
    assert "rule family" in message and '"allow"' in message and "reason" in message


def test_a_type_admitted_with_a_reason_is_not_a_violation(target):
    network = target("staging-network")
    dns = resource(network, "openstack:dns/zone:Zone", "hub-zone")
    config = PackConfig.from_mapping(
        {
            "inventory-known-type": {
                "allow": [
                    {"type": "openstack:dns/zone:Zone", "reason": "public names only", **ending()}
                ]
            }
        },
        "test",
    )
    report = evaluate(add(network, dns), config)
    assert [v for v in report.violations if v.policy == "inventory-known-type"] == []


def test_an_allowance_for_another_type_does_not_admit_this_one(target):
    network = target("staging-network")
    dns = resource(network, "openstack:dns/zone:Zone", "hub-zone")
    config = PackConfig.from_mapping(
        {
            "inventory-known-type": {
                "allow": [{"type": "random:index/randomId:RandomId", "reason": "x", **ending()}]
            }
        },
        "test",
    )
    report = evaluate(add(network, dns), config)
    assert [v.urn for v in report.violations if v.policy == "inventory-known-type"] == [dns.urn]


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "openstack:dns/zone:Zone"},
        {"type": "openstack:dns/zone:Zone", "reason": "  "},
        {"reason": "no type"},
        {"type": "a", "package": "b", "reason": "both"},
        {"type": "a", "reason": "x", "why": "unknown key", **ending()},
    ],
)
def test_an_allowance_without_a_reason_or_a_single_name_is_refused(entry):
    with pytest.raises(PackConfigError):
        PackConfig.from_mapping({"inventory-known-type": {"allow": [entry]}}, "test")


def test_a_package_of_no_cloud_the_pack_knows_is_refused_provider_and_resources(target):
    network = target("staging-network")
    provider = foreign("staging-network", "random", "random")
    thing = of(provider, "random:index/randomId:RandomId", "suffix", byteLength=4)
    changed = add(network, provider, thing)
    assert failures("inventory-known-type", changed, provider)
    assert failures("inventory-known-type", changed, thing)


def test_a_resource_whose_provider_reference_points_at_nothing_fails(target):
    compute = target("staging-compute")
    volume = find(compute, "volume:Volume")
    dangling = dataclasses.replace(
        volume, provider_urn="urn:pulumi:x::hub::pulumi:providers:openstack::gone"
    )
    changed = dataclasses.replace(
        compute, resources=[dangling if r.urn == volume.urn else r for r in compute.resources]
    )
    [message] = failures("inventory-provider-resolved", changed, dangling)
    assert "gone" in message
    assert statuses("inventory-provider-resolved", compute, volume) == {Status.PASS}


# --- other clouds ------------------------------------------------------------------------------


def test_an_aws_provider_in_a_us_region_and_its_bucket_fail(target):
    network = target("staging-network")
    aws = foreign("staging-network", "aws", "aws", region="us-east-1")
    bucket = of(aws, "aws:s3/bucket:Bucket", "exports")
    changed = add(network, aws, bucket)
    [message] = failures("region-foreign-cloud", changed, aws)
    assert "Amazon Web Services" in message and "US" in message
    assert failures("region-foreign-cloud", changed, bucket)
    assert failures("inventory-known-type", changed, bucket)


@pytest.mark.parametrize(
    ("package", "inputs"),
    [
        ("aws", {"region": "eu-west-3"}),
        ("azure-native", {"location": "francecentral"}),
        ("gcp", {"region": "europe-west9"}),
        ("google-native", {"region": "europe-west9"}),
    ],
)
def test_an_eu_region_of_a_us_headquartered_cloud_still_fails(target, package, inputs):
    network = target("staging-network")
    provider = foreign("staging-network", package, package, **inputs)
    [message] = failures("region-foreign-cloud", add(network, provider), provider)
    assert "headquartered in US" in message


def test_a_gcp_bucket_located_in_us_fails_on_the_bucket(target):
    network = target("staging-network")
    gcp = foreign(
        "staging-network", "gcp", "gcp", universeDomain="s3nsapis.fr", region="u-france-east1"
    )
    bucket = of(gcp, "gcp:storage/bucket:Bucket", "exports", location="US")
    changed = add(network, gcp, bucket)
    assert statuses("region-foreign-cloud", changed, gcp) == {Status.PASS}
    [message] = failures("region-foreign-cloud", changed, bucket)
    assert "'US'" in message and "S3NS" in message


def test_s3ns_under_its_universe_domain_passes_and_in_google_s_universe_fails(target):
    network = target("staging-network")
    s3ns = foreign(
        "staging-network", "gcp", "s3ns", universeDomain="s3nsapis.fr", region="u-france-east1"
    )
    google = foreign("staging-network", "gcp", "google", region="u-france-east1")
    changed = add(network, s3ns, google)
    assert statuses("region-foreign-cloud", changed, s3ns) == {Status.PASS}
    assert failures("region-foreign-cloud", changed, google)


def test_a_universe_domain_of_no_catalogue_operator_fails(target):
    network = target("staging-network")
    gcp = foreign(
        "staging-network", "gcp", "gcp", universeDomain="evil.example", region="u-france-east1"
    )
    [message] = failures("region-foreign-cloud", add(network, gcp), gcp)
    assert "evil.example" in message


def test_outscale_through_aws_compatible_endpoints_passes(target):
    network = target("staging-network")
    endpoints = [{"ec2": "https://fcu.cloudgouv-eu-west-1.outscale.com"}]
    aws = foreign(
        "staging-network", "aws", "outscale", region="cloudgouv-eu-west-1", endpoints=endpoints
    )
    assert statuses("region-foreign-cloud", add(network, aws), aws) == {Status.PASS}


def test_endpoints_of_two_operators_fail(target):
    network = target("staging-network")
    endpoints = [
        {"ec2": "https://fcu.cloudgouv-eu-west-1.outscale.com", "s3": "https://s3.amazonaws.com"}
    ]
    aws = foreign(
        "staging-network", "aws", "mixed", region="cloudgouv-eu-west-1", endpoints=endpoints
    )
    assert failures("region-foreign-cloud", add(network, aws), aws)


def test_a_foreign_resource_without_location_falls_back_to_its_provider(target):
    network = target("staging-network")
    s3ns = foreign(
        "staging-network", "gcp", "s3ns", universeDomain="s3nsapis.fr", region="u-france-east1"
    )
    bucket = of(s3ns, "gcp:storage/bucket:Bucket", "exports")
    assert statuses("region-foreign-cloud", add(network, s3ns, bucket), bucket) == {Status.PASS}
    bare = foreign("staging-network", "gcp", "bare", universeDomain="s3nsapis.fr")
    orphan = of(bare, "gcp:storage/bucket:Bucket", "orphan")
    [message] = failures("region-foreign-cloud", add(network, bare, orphan), orphan)
    assert "sets no region" in message


def test_a_foreign_region_of_the_right_operator_padded_is_not_the_region(target):
    network = target("staging-network")
    s3ns = foreign(
        "staging-network", "gcp", "s3ns", universeDomain="s3nsapis.fr", region=" u-france-east1"
    )
    assert failures("region-foreign-cloud", add(network, s3ns), s3ns)


def test_every_foreign_cloud_names_an_operator_of_the_catalogue():
    from hubcore.catalogue import load_catalogue

    providers = load_catalogue().providers
    assert {cloud.operator for cloud in FOREIGN_CLOUDS.values()} <= set(providers)


# --- values the pack cannot read ---------------------------------------------------------------

# Inputs whose secrecy is their correct state, or that only decide another input's verdict.
EXPECTED_SECRET = {
    ("pulumi:providers:openstack", "authUrl"),  # judged through hub:identityDomain
    ("tls:index/certRequest:CertRequest", "privateKeyPem"),
    ("tls:index/selfSignedCert:SelfSignedCert", "privateKeyPem"),
    ("tls:index/locallySignedCert:LocallySignedCert", "caPrivateKeyPem"),
    ("openstack:keymanager/secretV1:SecretV1", "payload"),
    ("openstack:compute/instance:Instance", "userData"),  # a secret: encrypted, instance-only
}
# Inputs that only decide whether another input may be plain: with that one secret, nothing
# depends on them (a Barbican secret's type frees a plain certificate payload).
ONLY_QUALIFY = {("openstack:keymanager/secretV1:SecretV1", "secretType")}


def _judged_inputs(target) -> list[tuple[str, str, str]]:
    seen: dict[tuple[str, str], str] = {}
    for stack in SHIPPED_SAMPLE:
        for view in target(stack).resources:
            for prop in judged_inputs(view.type):
                if prop in view.inputs:
                    seen.setdefault((view.type, prop), stack)
    return [(stack, type_, prop) for (type_, prop), stack in sorted(seen.items())]


def _mandatory_failures(target_: Target, view: ResourceView) -> set[str]:
    context = Context(site=target_.site, resources=target_.resources)
    found = set()
    for rule in all_rules():
        if rule.scope is Scope.STACK or not rule.applies(view):
            continue
        for outcome in run_rule(rule, view, context.with_rule_config(rule.config_defaults)):
            if outcome.status is Status.FAIL and outcome.urn in (None, view.urn):
                found.add(rule.id)
    return found


def test_the_judged_inputs_of_shipped_resources_are_many(target):
    assert len(_judged_inputs(target)) >= 35


@pytest.mark.parametrize("mask", [SECRET_MASK, UNKNOWN_MASK])
def test_every_judged_input_that_cannot_be_read_is_a_violation(target, mask):
    gaps = []
    for stack, type_, prop in _judged_inputs(target):
        if (mask == SECRET_MASK and (type_, prop) in EXPECTED_SECRET) or (
            type_,
            prop,
        ) in ONLY_QUALIFY:
            continue
        built = target(stack)
        view = next(r for r in built.resources if r.type == type_ and prop in r.inputs)
        secret = (prop,) if mask == SECRET_MASK else ()
        changed, hidden = mutate(built, view, secret=secret, **{prop: mask})
        if not _mandatory_failures(changed, hidden):
            gaps.append((type_, prop))
    assert gaps == []


def test_an_unknown_computed_by_a_resource_of_the_stack_is_not_a_violation(target):
    """A first preview: the volume's id is not known, its dependency says where it comes from."""
    compute = target("staging-compute")
    instance = find(compute, "instance:Instance")
    volume = find(compute, "volume:Volume", "boot")
    devices = [{**instance.inputs["blockDevices"][0], "uuid": UNKNOWN_MASK}]
    preview = dataclasses.replace(
        instance,
        inputs={**instance.inputs, "blockDevices": devices},
        dependencies={"blockDevices": (volume.urn,)},
        dependencies_known=True,
    )
    changed = dataclasses.replace(
        compute, resources=[preview if r.urn == instance.urn else r for r in compute.resources]
    )
    assert Status.FAIL not in statuses("encryption-instance-block-device", changed, preview)


def test_a_secret_region_fails_saying_it_could_not_be_judged(target):
    staging = target("staging-network")
    changed, provider = mutate(
        staging, find(staging, PROVIDER), secret=("region",), region=SECRET_MASK
    )
    [message] = failures("region-eu-only", changed, provider)
    assert "could not be judged" in message


def test_an_unknown_region_from_outside_the_program_fails_but_a_computed_one_does_not(target):
    compute = target("staging-compute")
    volume = find(compute, "volume:Volume")
    changed, unknown = mutate(compute, volume, region=UNKNOWN_MASK)
    assert failures("region-eu-only", changed, unknown)
    provider = find(compute, PROVIDER)
    computed = dataclasses.replace(unknown, dependencies={"region": (provider.urn,)})
    changed = dataclasses.replace(
        changed, resources=[computed if r.urn == volume.urn else r for r in changed.resources]
    )
    assert Status.FAIL not in statuses("region-eu-only", changed, computed)


def test_rules_are_registered_for_every_new_path():
    for rule_id in (
        "encryption-instance-block-device",
        "exposure-port-security-disabled",
        "exposure-external-network-host",
        "exposure-default-security-group",
        "exposure-load-balancer-listener",
        "secrets-embedded-credentials",
        "endpoints-transport-security",
        "endpoints-cloud-entry",
    ):
        assert rule_id in REGISTRY
