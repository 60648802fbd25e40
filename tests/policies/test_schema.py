"""The providers' schema snapshot (policies/schema.json) is what the pinned SDKs say."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from policies import schema

REPO = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pins = {}
    for requirement in project["project"]["dependencies"]:
        found = re.fullmatch(r"pulumi-(openstack|tls)==([0-9.]+)", requirement)
        if found:
            pins[found.group(1)] = found.group(2)
    return pins


def test_the_snapshot_equals_what_the_installed_sdks_declare():
    assert schema.snapshot() == schema.derive()


def test_the_snapshot_names_the_pinned_provider_versions():
    assert schema.versions() == _pins() == {"openstack": "5.5.3", "tls": "5.6.2"}


def test_a_nested_input_type_is_read_to_the_leaf():
    """A port's allowed address pairs are a list of {ipAddress (required), macAddress}."""
    port = schema.resource_schema("openstack:networking/port:Port")
    assert port is not None
    pairs = port["allowedAddressPairs"]
    assert pairs["type"] == "array" and pairs["items"]["type"] == "object"
    assert pairs["items"]["properties"]["ipAddress"] == {"type": "string", "required": True}
    assert pairs["items"]["properties"]["macAddress"] == {"type": "string", "required": False}


def test_a_pass_through_map_is_a_map_of_strings():
    network = schema.resource_schema("openstack:networking/network:Network")
    assert network is not None
    assert network["valueSpecs"] == {
        "type": "map",
        "values": {"type": "string"},
        "required": False,
    }


def test_the_config_section_records_the_environment_the_sdk_reads():
    config = schema.resource_schema("pulumi:providers:openstack")
    assert config is not None
    assert config["region"]["environment"] == ["OS_REGION_NAME"]
    assert config["insecure"]["environment"] == ["OS_INSECURE"]
    assert "environment" not in config["authUrl"]  # the SDK leaves OS_AUTH_URL to the plugin


def test_every_resource_of_the_sdk_is_in_the_snapshot():
    """114 resource types in pulumi-openstack 5.5.3, 4 in pulumi-tls 5.6.2 (their modules)."""
    packages = schema.snapshot()["packages"]
    assert len(packages["openstack"]["resources"]) == 114
    assert sorted(packages["tls"]["resources"]) == [
        "tls:index/certRequest:CertRequest",
        "tls:index/locallySignedCert:LocallySignedCert",
        "tls:index/privateKey:PrivateKey",
        "tls:index/selfSignedCert:SelfSignedCert",
    ]


def test_a_type_the_provider_lacks_has_no_schema():
    assert (
        schema.resource_schema("openstack:compute/floatingIpAssociate:FloatingIpAssociate") is None
    )
    assert schema.resource_schema("aws:s3/bucket:Bucket") is None


def test_the_check_command_says_when_the_snapshot_is_stale(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr(schema, "SNAPSHOT_FILE", stale)
    assert schema.main([]) == 1
    assert "differs from the installed SDKs" in capsys.readouterr().out
