"""Checks of the rebuilt site through the cloud's APIs, one list of Check per layer.

Every check reads the cloud with the DR site's own connection (its project, its region), through
the seam's `RebuiltSite`, and looks for the resources the rebuilt stacks say they made (their
outputs), so a check can fail: an output naming a resource the cloud does not have, an instance
not ACTIVE, a volume on a type without encryption, a container with an ACL, a missing object or
secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hubctl.cloud import RebuiltSite
from hubctl.drill.model import Check, NotRestored, RestoredContainer

# The cloud's word for a usable network, secret or running server (hubctl.cloud.api.ReadBack).
ACTIVE = "ACTIVE"
# The members a TLS container of a service holds.
TLS_MEMBERS = ["certificate", "private_key"]


def _check(layer: str, name: str, passed: bool, detail: str) -> Check:
    return Check(layer=layer, name=name, passed=passed, detail=detail)


def _guard(layer: str, name: str, probe: Callable[[], Check]) -> Check:
    """Run one probe; an API error is a failed check with the error as its detail."""
    try:
        return probe()
    except Exception as error:  # any API error means the resource is not as declared
        return _check(layer, name, False, f"{type(error).__name__}: {error}")


def check_network(cloud: RebuiltSite, outputs: Mapping[str, Any]) -> list[Check]:
    checks = []
    network_id = str(outputs.get("network_id", ""))

    def network() -> Check:
        net = cloud.network(network_id)
        return _check(
            "network", "network ACTIVE", net.status == ACTIVE, f"{net.name}: {net.status}"
        )

    checks.append(_guard("network", "network ACTIVE", network))
    for tier, subnet_id in sorted(dict(outputs.get("subnet_ids") or {}).items()):

        def subnet(tier: str = tier, subnet_id: str = str(subnet_id)) -> Check:
            sub = cloud.subnet(subnet_id)
            expected = dict(outputs.get("subnet_cidrs") or {}).get(tier)
            return _check(
                "network", f"subnet {tier}", sub.cidr == expected, f"{sub.name} {sub.cidr}"
            )

        checks.append(_guard("network", f"subnet {tier}", subnet))
    for tier, group_id in sorted(dict(outputs.get("security_group_ids") or {}).items()):

        def group(tier: str = tier, group_id: str = str(group_id)) -> Check:
            sg = cloud.security_group(group_id)
            return _check("network", f"security group {tier}", True, f"{sg.name}: {sg.rules} rules")

        checks.append(_guard("network", f"security group {tier}", group))
    return checks


def check_kms(cloud: RebuiltSite, outputs: Mapping[str, Any]) -> list[Check]:
    checks = []
    refs = {f"dataset key {d}": r for d, r in dict(outputs.get("dataset_key_refs") or {}).items()}
    refs["CA certificate"] = outputs.get("ca_cert_ref", "")
    for name, ref in sorted(refs.items()):

        def secret(name: str = name, ref: str = str(ref)) -> Check:
            found = cloud.secret(ref)
            return _check(
                "kms", f"{name} present", found.status == ACTIVE, f"{found.name}: {found.status}"
            )

        checks.append(_guard("kms", f"{name} present", secret))
    for service, ref in sorted(dict(outputs.get("service_container_refs") or {}).items()):

        def container(service: str = service, ref: str = str(ref)) -> Check:
            found = cloud.secret_bundle(ref)
            names = sorted(found.members)
            return _check(
                "kms",
                f"{service} TLS container",
                names == TLS_MEMBERS,
                f"{found.name}: {', '.join(names)}",
            )

        checks.append(_guard("kms", f"{service} TLS container", container))
    return checks


def check_storage(
    cloud: RebuiltSite, outputs: Mapping[str, Any], restored: list[RestoredContainer]
) -> list[Check]:
    checks = []
    for purpose, name in sorted(dict(outputs.get("containers") or {}).items()):

        def private(purpose: str = purpose, name: str = str(name)) -> Check:
            acl = cloud.container_acls(name)
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


def check_compute(cloud: RebuiltSite, outputs: Mapping[str, Any], site: str) -> list[Check]:
    checks = []
    servers = cloud.server_statuses()
    for role, names in sorted(dict(outputs.get("instances") or {}).items()):
        for name in names:
            status = servers.get(name)
            checks.append(
                _check(
                    "compute",
                    f"instance {name} ACTIVE",
                    status == ACTIVE,
                    f"{role}: {status if status is not None else 'absent'}",
                )
            )
    encrypted = cloud.encrypted_volume_types()
    volumes = cloud.volumes(f"hub-{site}-")
    checks.append(
        _check("compute", "volumes exist", bool(volumes), f"{len(volumes)} volume(s) of the site")
    )
    for volume in volumes:
        checks.append(
            _check(
                "compute",
                f"volume {volume.name} encrypted",
                volume.volume_type in encrypted and volume.encrypted,
                f"type {volume.volume_type}, encrypted={volume.encrypted}",
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
