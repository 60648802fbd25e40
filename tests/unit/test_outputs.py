"""What the end of `hubctl up` shows a person: hosts with addresses, containers, elided key
references, the ssh command through the bastion, and no certificate PEM."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from hubcore.stacks import Layer
from hubctl.layers import hosts_layer, summary
from hubctl.outputs import as_json, elide, ssh_hint

OUTPUTS: dict[Layer, dict[str, Any]] = {
    Layer.COMPUTE: {
        "instances": {"bastion": ["hub-local-bastion-0"], "app": ["hub-local-app-0"]},
    },
    Layer.STORAGE: {
        "containers": {"backups": "hub-local-backups"},
        "replica_containers": {"backups": "hub-local-backups-replica"},
        "replica_region": "LOCAL2",
    },
    Layer.KMS: {
        "ca_cert_pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "ca_cert_ref": "http://127.0.0.1:9311/v1/secrets/be0124ab-1dae-4d74-94e0-62e7f0212168",
        "dataset_key_refs": {"cohorts": "http://127.0.0.1:9311/v1/secrets/0123456789abcdef"},
    },
}
ADDRESSES = {"hub-local-bastion-0": "10.40.4.10", "hub-local-app-0": "10.40.2.20"}


def rendered() -> str:
    console = Console(width=200, record=True)
    for table in summary("local", OUTPUTS, ADDRESSES):
        console.print(table)
    return console.export_text()


def test_the_summary_names_each_host_with_its_address() -> None:
    text = rendered()
    assert "hub-local-bastion-0" in text and "10.40.4.10" in text
    assert "hub-local-app-0" in text and "10.40.2.20" in text


def test_the_summary_lists_containers_with_their_replicas() -> None:
    assert "hub-local-backups-replica (LOCAL2)" in rendered()


def test_key_references_are_elided_and_no_pem_is_shown() -> None:
    text = rendered()
    assert "…/secrets/be0124ab…" in text
    assert "BEGIN CERTIFICATE" not in text
    assert "be0124ab-1dae" not in text


def test_elide_keeps_the_kind_and_the_start_of_the_id() -> None:
    assert elide("http://h:9311/v1/containers/f3ba7e89-aaaa") == "…/containers/f3ba7e89…"


def test_the_ssh_command_goes_through_the_bastion() -> None:
    hint = ssh_hint(OUTPUTS[hosts_layer()], ADDRESSES)
    assert hint.startswith("ssh -J hubadmin@10.40.4.10 hubadmin@10.40.2.20")


def test_secret_outputs_stay_hidden_in_json() -> None:
    class Value:
        def __init__(self, value: object, secret: bool) -> None:
            self.value, self.secret = value, secret

    text = as_json({"local-kms": {"key": Value("s3cr3t", True), "ref": Value("r", False)}})
    assert "s3cr3t" not in text and '"[secret]"' in text and '"r"' in text
