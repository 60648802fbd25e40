"""The workspace rule family on a synthesised workspace stack: the real program's resources,
one field changed per failing case (tests/policies' harness)."""

from __future__ import annotations

import dataclasses
import json
import os
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from hubcore.stackfiles import STACKS_DIR
from hubctl.targets import target_of_synth
from hubctl.workspaces.opened import write_stack_file
from infra.config import WorkspaceSpec
from policies.evaluate import Target
from policies.model import ResourceView, Status
from policies.registry import REGISTRY
from policies.rules import all_rules
from synth.records import SynthResult
from synth.synthesis import synthesize
from tests.conftest import Synth
from tests.policies.conftest import failures, find, mutate, statuses, with_config
from tests.private_stacks import private_stacks
from tests.workspaces.conftest import base_manifest

PROJECT = f"rules-t{os.getpid()}"
STACK = f"local-ws-{PROJECT}"
all_rules()
RULES = (
    "workspace-expiry-valid",
    "workspace-not-expired",
    "workspace-datasets-authorised",
    "workspace-no-egress",
    "workspace-no-floating-ip",
    "workspace-no-external-gateway",
    "workspace-no-flow-from-other-workspace",
    "workspace-key-distinct",
    "workspace-access-via-project",
)


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    data = base_manifest(PROJECT)
    spec = WorkspaceSpec.model_validate({**data, "cidr": "10.41.7.0/24"})
    with private_stacks(tmp_path_factory.mktemp("stacks")):
        write_stack_file("local", spec)
        return synthesize(STACK, {"hub:memberPasswords": "[secret]"})


@pytest.fixture(scope="module")
def ws(synthesized: SynthResult) -> Target:
    assert not (STACKS_DIR / f"Pulumi.{STACK}.yaml").exists()
    return target_of_synth(synthesized)


def extract(target: Target) -> ResourceView:
    return find(target, "container:Container", "extract")


def relabel(target: Target, view: ResourceView, **metadata: str) -> Target:
    changed, _ = mutate(target, view, metadata={**view.inputs["metadata"], **metadata})
    return changed


@pytest.mark.parametrize("rule_id", RULES)
def test_the_program_passes_every_workspace_rule(rule_id: str, ws: Target) -> None:
    rule = REGISTRY[rule_id]
    judged = [view for view in ws.resources if rule.applies(view)]
    # The program declares no floating IP at all: that rule has nothing to judge here.
    assert judged or rule_id == "workspace-no-floating-ip"
    assert {view.name: failures(rule_id, ws, view) for view in judged} == {
        view.name: [] for view in judged
    }


def test_an_expiry_after_the_authorisation_fails(ws: Target) -> None:
    target = relabel(ws, extract(ws), **{"workspace-expires": "2031-07-01"})
    (message,) = failures("workspace-expiry-valid", target, extract(target))
    assert "after its authorisation MR-004 ends on 2031-06-30" in message


def test_a_missing_expiry_fails(ws: Target) -> None:
    metadata = {k: v for k, v in extract(ws).inputs["metadata"].items() if k != "workspace-expires"}
    target, view = mutate(ws, extract(ws), metadata=metadata)
    assert "no readable expiry" in failures("workspace-expiry-valid", target, view)[0]


def test_an_expiry_before_the_start_fails(ws: Target) -> None:
    target = relabel(ws, extract(ws), **{"workspace-expires": "2029-12-31"})
    assert failures("workspace-expiry-valid", target, extract(target))


def test_a_workspace_longer_than_max_duration_fails(ws: Target) -> None:
    # 2030-01-01 to 2031-06-29: 365 + 179 = 544 days, within the default bound, over 500.
    assert not failures("workspace-expiry-valid", ws, extract(ws))
    from policies.evaluate import run_rule
    from policies.model import Context

    rule = REGISTRY["workspace-expiry-valid"]
    target = relabel(ws, extract(ws), **{"workspace-expires": "2031-06-29"})
    context = Context(target.site, target.resources, {"maxDurationDays": 500})
    (outcome,) = run_rule(rule, extract(target), context)
    assert outcome.status is Status.FAIL and "lasts 544 days" in outcome.message


def test_an_expired_workspace_still_deployed_fails_on_each_resource(ws: Target) -> None:
    from policies.evaluate import run_rule
    from policies.model import Context

    rule = REGISTRY["workspace-not-expired"]
    labelled = [v for v in ws.resources if rule.applies(v) and "workspace" in v.tags]
    assert len(labelled) >= 10  # project, network, subnet, router, ports, group, host, volumes...
    late = Context(ws.site, ws.resources, {"asOf": "2031-01-01"})
    on_time = Context(ws.site, ws.resources, {"asOf": "2030-12-31"})
    for view in labelled:
        assert run_rule(rule, view, late)[0].status is Status.FAIL, view.name
        assert run_rule(rule, view, on_time)[0].status is Status.PASS, view.name


def test_a_dataset_the_site_lacks_fails(ws: Target) -> None:
    target = relabel(ws, extract(ws), **{"workspace-datasets": "synthetic-cohorts,imaging"})
    (message,) = failures("workspace-datasets-authorised", target, extract(target))
    assert "imaging" in message


def test_the_site_datasets_decide_what_is_authorised(ws: Target) -> None:
    target = with_config(ws, hub__datasets='["other"]')
    assert failures("workspace-datasets-authorised", target, extract(target))


def egress_rule(ws: Target) -> ResourceView:
    return find(ws, "secGroupRule:SecGroupRule", "out-123")


def test_egress_beyond_ntp_fails(ws: Target) -> None:
    target, view = mutate(
        ws, egress_rule(ws), protocol="tcp", portRangeMin=443, portRangeMax=443,
        remoteIpPrefix="0.0.0.0/0",
    )  # fmt: skip
    assert failures("workspace-no-egress", target, view)


def test_ntp_outside_the_site_fails(ws: Target) -> None:
    target, view = mutate(ws, egress_rule(ws), remoteIpPrefix="10.41.0.0/16")
    assert failures("workspace-no-egress", target, view)


def test_egress_to_the_package_proxy_passes_and_to_another_port_fails(ws: Target) -> None:
    proxied = with_config(ws, hub__aptProxy="http://10.40.250.10:3142")
    target, view = mutate(
        proxied, egress_rule(ws), protocol="tcp", portRangeMin=3142, portRangeMax=3142,
        remoteIpPrefix="10.40.250.10/32",
    )  # fmt: skip
    assert statuses("workspace-no-egress", target, view) == {Status.PASS}
    target, view = mutate(target, view, portRangeMin=80, portRangeMax=80)
    assert failures("workspace-no-egress", target, view)


def test_a_floating_ip_in_a_workspace_stack_fails(ws: Target) -> None:
    port = find(ws, "port:Port", f"{PROJECT}-0")
    fip = ResourceView(
        urn=port.urn.replace("networking/port:Port", "networking/floatingIp:FloatingIp") + "-fip",
        type="openstack:networking/floatingIp:FloatingIp",
        name="fip",
        inputs={"pool": "Ext-Net", "portId": port.id},
    )
    target = dataclasses.replace(ws, resources=[*ws.resources, fip])
    assert failures("workspace-no-floating-ip", target, fip)


def test_an_external_gateway_fails(ws: Target) -> None:
    router = find(ws, "router:Router", "router")
    target, view = mutate(ws, router, externalNetworkId="ext-net-id")
    assert "external gateway" in failures("workspace-no-external-gateway", target, view)[0]


def ingress_rule(ws: Target) -> ResourceView:
    return find(ws, "secGroupRule:SecGroupRule", "in-22")


def test_the_admin_tier_may_reach_the_workspace(ws: Target) -> None:
    assert ingress_rule(ws).inputs["remoteIpPrefix"] == "10.40.4.0/24"  # the admin tier's subnet
    assert statuses("workspace-no-flow-from-other-workspace", ws, ingress_rule(ws)) == {Status.PASS}


def test_ingress_from_another_workspace_fails(ws: Target) -> None:
    other = str(list(IPv4Network("10.41.0.0/16").subnets(new_prefix=24))[8])
    target, view = mutate(ws, ingress_rule(ws), remoteIpPrefix=other)
    assert "workspace pool" in failures("workspace-no-flow-from-other-workspace", target, view)[0]


def test_ingress_from_a_foreign_group_fails(ws: Target) -> None:
    target, view = mutate(ws, ingress_rule(ws), remoteIpPrefix=None, remoteGroupId="other-sg")
    assert failures("workspace-no-flow-from-other-workspace", target, view)


def test_ingress_from_outside_the_site_fails(ws: Target) -> None:
    target, view = mutate(ws, ingress_rule(ws), remoteIpPrefix="192.168.5.0/24")
    assert failures("workspace-no-flow-from-other-workspace", target, view)


def test_a_dataset_key_as_the_workspace_key_fails(ws: Target) -> None:
    kms = find(ws, "StackReference", "local-kms")
    dataset_key = next(iter(kms.inputs["outputs"]["dataset_key_refs"].values()))
    target = relabel(ws, extract(ws), **{"data-key-ref": dataset_key})
    assert "dataset key" in failures("workspace-key-distinct", target, extract(target))[0]


def test_no_barbican_order_fails(ws: Target) -> None:
    order = find(ws, "orderV1:OrderV1", "key")
    target = dataclasses.replace(ws, resources=[r for r in ws.resources if r.urn != order.urn])
    assert "orders no key" in failures("workspace-key-distinct", target, extract(target))[0]


def test_key_material_through_the_state_fails(ws: Target) -> None:
    secret = ResourceView(
        urn=extract(ws).urn + "-secret",
        type="openstack:keymanager/secretV1:SecretV1",
        name="key",
        inputs={"payload": "[secret]", "secretType": "symmetric"},
    )
    target = dataclasses.replace(ws, resources=[*ws.resources, secret])
    assert "stores key material" in failures("workspace-key-distinct", target, extract(target))[0]


def assignment(ws: Target) -> ResourceView:
    return find(ws, "roleAssignment:RoleAssignment", "member-alice-hub-ws-member")


def test_a_grant_on_another_project_fails(ws: Target) -> None:
    target, view = mutate(ws, assignment(ws), projectId="hub-local-id")
    assert failures("workspace-access-via-project", target, view)


def test_a_domain_wide_grant_fails(ws: Target) -> None:
    target, view = mutate(ws, assignment(ws), domainId="default")
    assert "whole domain" in failures("workspace-access-via-project", target, view)[0]


def test_workspace_rules_leave_site_stacks_alone(synth: Synth) -> None:
    site = target_of_synth(synth("local-network"))
    for rule_id in ("workspace-no-egress", "workspace-no-flow-from-other-workspace"):
        for view in site.resources:
            if not REGISTRY[rule_id].applies(view):
                continue
            assert Status.FAIL not in statuses(rule_id, site, view), (rule_id, view.name)


def test_the_state_of_a_lingering_workspace_fails_review_after_its_file_is_gone(
    synthesized: SynthResult, tmp_path: Path
) -> None:
    """Its stack file removed, an export of what is still deployed is judged on the resources'
    own expiry, with the site's facts; past the expiry `hubctl check --state` exits 1."""
    from typer.testing import CliRunner

    from hubctl.cli import app
    from tests.policies.exports import export_of, write

    export = write(export_of(synthesized), tmp_path / "export.json")
    runner = CliRunner()
    first = runner.invoke(app, ["check", "--state", str(export)])
    assert first.exit_code == 0, first.output
    late = tmp_path / "late.json"
    late.write_text(json.dumps({"workspace-not-expired": {"asOf": "2031-01-01"}}))
    result = runner.invoke(app, ["check", "--state", str(export), "--policy-config", str(late)])
    assert result.exit_code == 1
    assert "workspace-not-expired" in result.output and "expired on 2030-12-31" in result.output
    # The site's facts still reach the pack: a dataset the site lacks is reported too.
    data = json.loads(export.read_text())
    for item in data["deployment"]["resources"]:
        if item["urn"].endswith("-extract"):
            item["inputs"]["metadata"]["workspace-datasets"] = "imaging"
    export.write_text(json.dumps(data))
    result = runner.invoke(app, ["check", "--state", str(export)])
    assert result.exit_code == 1 and "workspace-datasets-authorised" in result.output
