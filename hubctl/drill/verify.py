"""Checks of the rebuilt site through the OpenStack APIs, one list of Check per layer.

Every check reads the cloud with the DR site's own connection (its project, its region) and
looks for the resources the rebuilt stacks say they made (their outputs), so a check can fail:
an output naming a resource the cloud does not have, an instance not ACTIVE, a volume on a type
without encryption, a container with an ACL, a missing object or secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hubctl.drill.model import Check, NotRestored, RestoredContainer

_UUID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def ref_id(ref: str) -> str:
    """The UUID at the end of a Barbican secret or container reference URL."""
    found = _UUID.findall(ref)
    if not found:
        raise ValueError(f"not a Barbican reference: {ref!r}")
    return str(found[-1])


def _check(layer: str, name: str, passed: bool, detail: str) -> Check:
    return Check(layer=layer, name=name, passed=passed, detail=detail)


def _guard(layer: str, name: str, probe: Any) -> Check:
    """Run one probe; an API error is a failed check with the error as its detail."""
    try:
        result: Check = probe()
        return result
    except Exception as error:  # any API error means the resource is not as declared
        return _check(layer, name, False, f"{type(error).__name__}: {error}")


def check_network(conn: Any, outputs: Mapping[str, Any]) -> list[Check]:
    checks = []
    network_id = str(outputs.get("network_id", ""))

    def network() -> Check:
        net = conn.network.get_network(network_id)
        return _check(
            "network", "network ACTIVE", net.status == "ACTIVE", f"{net.name}: {net.status}"
        )

    checks.append(_guard("network", "network ACTIVE", network))
    for tier, subnet_id in sorted(dict(outputs.get("subnet_ids") or {}).items()):

        def subnet(tier: str = tier, subnet_id: str = str(subnet_id)) -> Check:
            sub = conn.network.get_subnet(subnet_id)
            expected = dict(outputs.get("subnet_cidrs") or {}).get(tier)
            return _check(
                "network", f"subnet {tier}", sub.cidr == expected, f"{sub.name} {sub.cidr}"
            )

        checks.append(_guard("network", f"subnet {tier}", subnet))
    for tier, group_id in sorted(dict(outputs.get("security_group_ids") or {}).items()):

        def group(tier: str = tier, group_id: str = str(group_id)) -> Check:
            sg = conn.network.get_security_group(group_id)
            rules = len(sg.security_group_rules or [])
            return _check("network", f"security group {tier}", True, f"{sg.name}: {rules} rules")

        checks.append(_guard("network", f"security group {tier}", group))
    return checks


def check_kms(conn: Any, outputs: Mapping[str, Any]) -> list[Check]:
    checks = []
    refs = {f"dataset key {d}": r for d, r in dict(outputs.get("dataset_key_refs") or {}).items()}
    refs["CA certificate"] = outputs.get("ca_cert_ref", "")
    for name, ref in sorted(refs.items()):

        def secret(name: str = name, ref: str = str(ref)) -> Check:
            found = conn.key_manager.get_secret(ref_id(ref))
            return _check(
                "kms", f"{name} present", found.status == "ACTIVE", f"{found.name}: {found.status}"
            )

        checks.append(_guard("kms", f"{name} present", secret))
    for service, ref in sorted(dict(outputs.get("service_container_refs") or {}).items()):

        def container(service: str = service, ref: str = str(ref)) -> Check:
            found = conn.key_manager.get_container(ref_id(ref))
            names = sorted(r["name"] for r in found.secret_refs or [])
            return _check(
                "kms",
                f"{service} TLS container",
                names == ["certificate", "private_key"],
                f"{found.name}: {', '.join(names)}",
            )

        checks.append(_guard("kms", f"{service} TLS container", container))
    return checks


def check_storage(
    conn: Any, outputs: Mapping[str, Any], restored: list[RestoredContainer]
) -> list[Check]:
    checks = []
    for purpose, name in sorted(dict(outputs.get("containers") or {}).items()):

        def private(purpose: str = purpose, name: str = str(name)) -> Check:
            meta = conn.object_store.get_container_metadata(name)
            acl = [a for a in (meta.read_ACL, meta.write_ACL) if a]
            return _check(
                "storage",
                f"container {purpose} private",
                not acl,
                f"{name}: {'ACL ' + ', '.join(acl) if acl else 'no read or write ACL'}",
            )

        checks.append(_guard("storage", f"container {purpose} private", private))
    for item in restored:
        checks.append(
            _check(
                "storage",
                f"container {item.purpose} holds its objects",
                item.target is not None and item.verified == item.objects,
                f"{item.verified}/{item.objects} objects match the replica's ETags"
                + (f" ({item.problem})" if item.problem else ""),
            )
        )
    return checks


def encrypted_volume_types(conn: Any) -> set[str]:
    types = set()
    for volume_type in conn.block_storage.types():
        try:
            if conn.block_storage.get_type_encryption(volume_type.id).provider:
                types.add(volume_type.name)
        except Exception:  # a type without an encryption spec answers 404
            continue
    return types


def check_compute(conn: Any, outputs: Mapping[str, Any], site: str) -> list[Check]:
    checks = []
    servers = {s.name: s for s in conn.compute.servers()}
    for role, names in sorted(dict(outputs.get("instances") or {}).items()):
        for name in names:
            server = servers.get(name)
            checks.append(
                _check(
                    "compute",
                    f"instance {name} ACTIVE",
                    server is not None and server.status == "ACTIVE",
                    f"{role}: {server.status if server else 'absent'}",
                )
            )
    encrypted = encrypted_volume_types(conn)
    volumes = [v for v in conn.block_storage.volumes() if (v.name or "").startswith(f"hub-{site}-")]
    checks.append(
        _check("compute", "volumes exist", bool(volumes), f"{len(volumes)} volume(s) of the site")
    )
    for volume in volumes:
        checks.append(
            _check(
                "compute",
                f"volume {volume.name} encrypted",
                volume.volume_type in encrypted and bool(volume.is_encrypted),
                f"type {volume.volume_type}, encrypted={volume.is_encrypted}",
            )
        )
    return checks


def policy_checks(logs: Mapping[str, str]) -> tuple[list[Check], list[NotRestored]]:
    """The policy pack as it ran inside each layer's `up` (its report is in the layer's log)."""
    checks: list[Check] = []
    missing: list[NotRestored] = []
    for stack, text in sorted(logs.items()):
        if "Policies:" not in text:
            missing.append(
                NotRestored(
                    item=f"policy pack on {stack}",
                    reason="the pack did not run in this layer's update (no policies/ pack "
                    "was loadable when the drill ran)",
                )
            )
            continue
        section = text.split("Policies:", 1)[1]
        mandatory = len(re.findall(r"\[mandatory\]", section))
        advisory = len(re.findall(r"\[advisory\]", section))
        checks.append(
            _check(
                "policy",
                f"policy pack on {stack}",
                mandatory == 0,
                f"{mandatory} mandatory and {advisory} advisory violation(s)",
            )
        )
    return checks, missing


def state_policy_checks(exports: Mapping[str, Path]) -> list[Check]:
    """The policy pack's offline evaluator (`hubctl check --state`) on each rebuilt stack."""
    from hubctl.state_export import load_state
    from policies.config import load_pack_config
    from policies.evaluate import evaluate

    config = load_pack_config()
    checks = []
    for stack, path in sorted(exports.items()):
        name = f"policy pack on the state of {stack}"

        def judged(path: Path = path, name: str = name) -> Check:
            report = evaluate(load_state(path), config)
            mandatory = report.mandatory
            advisory = len(report.violations) - len(mandatory)
            shown = "; ".join(f"{v.policy}: {v.message}" for v in mandatory[:3])
            return _check(
                "policy",
                name,
                not mandatory,
                f"{report.resources} resources, {len(mandatory)} mandatory and {advisory} "
                f"advisory violation(s){': ' + shown if shown else ''}",
            )

        checks.append(_guard("policy", name, judged))
    return checks
