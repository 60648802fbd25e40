"""What a person has after `hubctl up`: a short summary, and the full outputs on demand.

The summary names the hosts with their addresses (read from the cloud, hubctl.cloud: the stacks
hold names),
the containers, and the key references with their long URLs elided, then how to reach the hosts
(ssh through the bastion). `hubctl outputs` gives every output of every layer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.table import Table

ADMIN_USER = "hubadmin"  # as infra.layers.compute creates it
SECRET = "[secret]"


def elide(ref: object, keep: int = 8) -> str:
    """A Barbican reference as `…/secrets/1a2b3c4d…`: enough to tell keys apart."""
    text = str(ref)
    head, _, last = text.rstrip("/").rpartition("/")
    kind = head.rsplit("/", 1)[-1] if head else ""
    return f"…/{kind}/{last[:keep]}…" if kind else text


def hosts_table(site: str, outputs: Mapping[str, Any], addresses: Mapping[str, str]) -> Table:
    """The compute layer's hosts: role, name, fixed address."""
    hosts = Table(title=f"{site}: hosts", title_justify="left")
    for column in ("role", "host", "address"):
        hosts.add_column(column)
    for role, names in (outputs.get("instances") or {}).items():
        for name in names:
            hosts.add_row(role, name, addresses.get(name, "") or "?")
    return hosts


def host_names(outputs: Mapping[str, Any]) -> list[str]:
    """The compute layer's hosts, by name (their addresses are read from the cloud)."""
    instances = outputs.get("instances") or {}
    return [name for names in instances.values() for name in names]


def containers_table(site: str, outputs: Mapping[str, Any], addresses: Mapping[str, str]) -> Table:
    """The storage layer's containers, with their replicas."""
    containers = Table(title=f"{site}: containers", title_justify="left")
    for column in ("purpose", "container", "replica"):
        containers.add_column(column)
    replicas = outputs.get("replica_containers") or {}
    region = outputs.get("replica_region") or ""
    for purpose, name in (outputs.get("containers") or {}).items():
        replica = f"{replicas[purpose]} ({region})" if purpose in replicas else ""
        containers.add_row(purpose, str(name), replica)
    return containers


def keys_table(site: str, outputs: Mapping[str, Any], addresses: Mapping[str, str]) -> Table:
    """The KMS layer's keys and certificates, by reference."""
    keys = Table(title=f"{site}: keys and certificates (references)", title_justify="left")
    for column in ("what", "reference"):
        keys.add_column(column)
    for dataset, ref in (outputs.get("dataset_key_refs") or {}).items():
        keys.add_row(f"dataset key {dataset}", elide(ref))
    if outputs.get("ca_cert_ref"):
        keys.add_row("internal CA certificate", elide(outputs["ca_cert_ref"]))
    for service, ref in (outputs.get("service_container_refs") or {}).items():
        keys.add_row(f"TLS of {service}", elide(ref))
    return keys


def ssh_hint(hosts_outputs: Mapping[str, Any], host_addresses: Mapping[str, str]) -> str:
    """The `ssh -J` line from the outputs of the layer that runs the hosts."""
    instances = (hosts_outputs or {}).get("instances") or {}
    bastions = [host_addresses.get(n, "") for n in instances.get("bastion", [])]
    bastion = next((a for a in bastions if a), "BASTION")
    others = [n for role, names in instances.items() if role != "bastion" for n in names]
    target = host_addresses.get(others[0], "HOST") if others else "HOST"
    return (
        f"ssh -J {ADMIN_USER}@{bastion} {ADMIN_USER}@{target}   "
        "(the admin key is the compute stack's secret; every host is reached through the bastion)"
    )


def plain(value: Any) -> Any:
    """An Automation API output value for printing: secrets stay hidden."""
    if getattr(value, "secret", False):
        return SECRET
    return getattr(value, "value", value)


def as_json(outputs: Mapping[str, Mapping[str, Any]]) -> str:
    return json.dumps(
        {stack: {k: plain(v) for k, v in values.items()} for stack, values in outputs.items()},
        indent=2,
        default=str,
    )


def as_text(outputs: Mapping[str, Mapping[str, Any]]) -> str:
    lines = []
    for stack, values in outputs.items():
        lines.append(f"{stack}:")
        for key, value in values.items():
            shown = plain(value)
            text = shown if isinstance(shown, str) else json.dumps(shown, indent=2, default=str)
            body = text.splitlines() or [""]
            lines.append(f"  {key}: {body[0]}")
            lines += [f"    {line}" for line in body[1:]]
    return "\n".join(lines)
