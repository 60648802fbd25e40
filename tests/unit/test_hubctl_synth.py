"""`hubctl synth`: every shipped stack synthesises; bad input exits 2 naming the key."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hubcore.stackfiles import known_stacks
from hubcore.stacks import StackName
from hubctl.cli import app
from tests.hubctl_runner import run_hubctl

LAYER_TYPES = {
    "network": {
        "networking/network:Network",
        "networking/subnet:Subnet",
        "networking/router:Router",
        "networking/secGroup:SecGroup",
        "networking/secGroupRule:SecGroupRule",
    },
    "kms": {
        "keymanager/orderV1:OrderV1",
        "keymanager/secretV1:SecretV1",
        "tls:index/privateKey:PrivateKey",
        "tls:index/selfSignedCert:SelfSignedCert",
        "tls:index/locallySignedCert:LocallySignedCert",
    },
    "storage": {"objectstorage/container:Container"},
    "compute": {
        "compute/instance:Instance",
        "compute/serverGroup:ServerGroup",
        "blockstorage/volume:Volume",
        "compute/keypair:Keypair",
    },
    "ws": {
        "identity/project:Project",
        "networking/network:Network",
        "networking/router:Router",
        "keymanager/orderV1:OrderV1",
        "objectstorage/container:Container",
        "compute/instance:Instance",
        "blockstorage/volume:Volume",
    },
}

runner = CliRunner()


def synth_json(stack: str, *extra: str) -> dict:
    result = runner.invoke(app, ["synth", "--stack", stack, "--format", "json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("stack", known_stacks())
def test_every_shipped_stack_declares_its_layer_types(stack: str) -> None:
    document = synth_json(stack)
    assert document["stack"] == stack
    types = {r["type"].removeprefix("openstack:") for r in document["resources"]}
    missing = LAYER_TYPES[StackName.parse(stack).layer.value] - types
    assert not missing, f"{stack} lacks {missing}"


def test_json_resources_have_the_documented_fields() -> None:
    resource = synth_json("local-network")["resources"][0]
    assert set(resource) == {"urn", "type", "name", "parent", "provider", "inputs"}


def test_secrets_are_masked_in_json() -> None:
    text = json.dumps(synth_json("prod-kms"))
    assert "BEGIN PRIVATE KEY" not in text
    assert "[secret]" in text


def test_text_output_is_a_tree_of_the_stack() -> None:
    result = runner.invoke(app, ["synth", "--stack", "local-storage"])
    assert result.exit_code == 0
    assert "local-storage" in result.stdout
    assert "hub-local-dataset-synthetic-cohorts" in result.stdout


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("openstack:region=", "openstack:region"),
        ("openstack:region=moon-1", "openstack:region"),
        ("hub:production=perhaps", "hub:production"),
        ("hub:networkCidr=10.0.0.300/16", "hub:networkCidr"),
        ("hub:sizes=[1,2]", "hub:sizes"),
    ],
)
def test_bad_overrides_exit_2_naming_the_key(override: str, key: str) -> None:
    result = runner.invoke(app, ["synth", "--stack", "staging-network", "-c", override])
    assert result.exit_code == 2
    assert key in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_stack_exits_2_listing_known_stacks() -> None:
    result = runner.invoke(app, ["synth", "--stack", "mars-network"])
    assert result.exit_code == 2
    assert "known stacks" in result.stderr


def test_an_unknown_format_is_a_usage_error() -> None:
    result = runner.invoke(app, ["synth", "--stack", "local-network", "--format", "xml"])
    assert result.exit_code == 2


def test_the_installed_console_script_runs_offline() -> None:
    completed = run_hubctl(
        "synth", "--stack", "local-kms", "--format", "json", installed=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["stack"] == "local-kms"
