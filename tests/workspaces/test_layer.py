"""What a workspace stack declares, read from its synthesis and checked against the issue's
design (hand-computed ranges and ports), for both tenancy models."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from hubctl.workspaces.opened import write_stack_file
from infra.config import WorkspaceSpec
from synth.records import ResourceRecord, SynthResult
from synth.synthesis import synthesize
from tests.private_stacks import private_stacks
from tests.workspaces.conftest import base_manifest

TAG = f"l{os.getpid()}"


@pytest.fixture(scope="module")
def synth_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., SynthResult]]:
    """Synthesise a workspace stack whose file is written to the module's copy of stacks/."""
    with private_stacks(tmp_path_factory.mktemp("stacks")):

        def run(site: str, workspace: str, **changes: object) -> SynthResult:
            spec = WorkspaceSpec.model_validate({**base_manifest(workspace), **changes})
            write_stack_file(site, spec)
            return synthesize(f"{site}-ws-{workspace}", {"hub:memberPasswords": "[secret]"})

        yield run


@pytest.fixture(scope="module")
def local(synth_ws: Callable[..., SynthResult]) -> SynthResult:
    return synth_ws("local", f"layer-{TAG}", cidr="10.41.9.0/24")


def of(result: SynthResult, token: str) -> list[ResourceRecord]:
    return [r for r in result.resources if r.type.endswith(token)]


def test_the_network_is_the_allocated_range(local: SynthResult) -> None:
    (subnet,) = of(local, "subnet:Subnet")
    assert subnet.inputs["cidr"] == "10.41.9.0/24"
    assert subnet.inputs["gatewayIp"] == "10.41.9.1"


def test_the_router_has_no_external_gateway(local: SynthResult) -> None:
    (router,) = of(local, "router:Router")
    assert "externalNetworkId" not in router.inputs
    assert "externalGateways" not in router.inputs


def test_the_admin_subnet_routes_to_the_workspace(local: SynthResult) -> None:
    from infra.layers.workspace import shared_route_urns

    (route,) = of(local, "subnetRoute:SubnetRoute")
    (leg,) = [p for p in of(local, "port:Port") if p.name.endswith("-admin-leg")]
    # hubctl deploys the shared routes apart, by these URNs: they must be the program's.
    assert route.urn == shared_route_urns(local.stack, "local", f"layer-{TAG}")[0]
    assert route.inputs["destinationCidr"] == "10.41.9.0/24"
    assert route.inputs["subnetId"] == "local-admin-subnet-id"  # the site's admin subnet
    assert route.provider == leg.provider  # the workspace's own credentials


def test_the_edge_router_routes_to_the_workspace_for_hosts_already_running(
    local: SynthResult,
) -> None:
    from infra.layers.workspace import shared_route_urns

    (route,) = of(local, "routerRoute:RouterRoute")
    (leg,) = [p for p in of(local, "port:Port") if p.name.endswith("-admin-leg")]
    assert route.urn == shared_route_urns(local.stack, "local", f"layer-{TAG}")[1]
    assert route.inputs["destinationCidr"] == "10.41.9.0/24"
    # The site's edge router, which the admin hosts have as their gateway, in the site's
    # project: the operator's provider, not the workspace's.
    assert route.inputs["routerId"] == "local-edge-router-id"
    assert route.provider != leg.provider
    assert route.provider is not None and "::default" not in route.provider


def test_ingress_is_ssh_and_the_front_end_from_the_admin_tier_only(local: SynthResult) -> None:
    rules = [
        r for r in of(local, "secGroupRule:SecGroupRule") if r.inputs["direction"] == "ingress"
    ]
    # local's range 10.40.0.0/16: .0 stays free, then ingress, app, data, admin: 10.40.4.0/24.
    assert {(r.inputs["portRangeMin"], r.inputs["remoteIpPrefix"]) for r in rules} == {
        (22, "10.40.4.0/24"),
        (8888, "10.40.4.0/24"),
    }


def test_the_only_egress_is_the_sites_own_ntp_server_and_package_proxy(local: SynthResult) -> None:
    # stacks/sites.yaml: local's hub:ntpServers [10.40.0.10], hub:aptProxy http://10.40.0.10:3142
    rules = [r for r in of(local, "secGroupRule:SecGroupRule") if r.inputs["direction"] == "egress"]
    assert sorted(
        (r.inputs["protocol"], r.inputs["portRangeMin"], r.inputs["remoteIpPrefix"]) for r in rules
    ) == [("tcp", 3142, "10.40.0.10/32"), ("udp", 123, "10.40.0.10/32")]
    (group,) = of(local, "secGroup:SecGroup")
    assert group.inputs["deleteDefaultRules"] is True


def test_the_package_proxy_is_the_one_other_egress(
    synth_ws: Callable[..., SynthResult],
) -> None:
    # The proxy is the site's (hub:aptProxy): overridden here for one synthesis.
    synth_ws("local", f"proxy-{TAG}", cidr="10.41.10.0/24")
    proxied = synthesize(f"local-ws-proxy-{TAG}", {
        "hub:memberPasswords": "[secret]", "hub:aptProxy": "http://10.40.250.10:3142",
    })  # fmt: skip
    egress = {
        (r.inputs["protocol"], r.inputs["portRangeMin"], r.inputs["remoteIpPrefix"])
        for r in of(proxied, "secGroupRule:SecGroupRule")
        if r.inputs["direction"] == "egress"
    }
    assert egress == {("udp", 123, "10.40.0.10/32"), ("tcp", 3142, "10.40.250.10/32")}


def test_every_labelled_resource_says_its_project_authorisation_and_expiry(
    local: SynthResult,
) -> None:
    labelled = [
        r
        for r in local.resources
        if r.custom
        and ("tags" in r.inputs or "metadata" in r.inputs)
        and not r.type.startswith("pulumi:")
    ]
    assert len(labelled) >= 10
    for record in labelled:
        text = str(record.inputs.get("tags", "")) + str(record.inputs.get("metadata", ""))
        for needle in (f"layer-{TAG}", "MR-004", "2030-12-31"):
            assert needle in text, (record.name, needle)


def test_volumes_are_on_the_site_luks_type(local: SynthResult) -> None:
    volumes = of(local, "volume:Volume")
    assert len(volumes) == 2 and {v.inputs["volumeType"] for v in volumes} == {"classic-luks"}


def test_members_read_the_extract_and_write_the_outbox_officers_read_it(
    local: SynthResult,
) -> None:
    containers = {r.inputs["name"].rsplit("-", 1)[-1]: r.inputs for r in of(local, "Container")}
    assert containers["extract"]["containerRead"] == "hub-ws-member"
    assert "containerWrite" not in containers["extract"]
    # Officers write the outbox too: they delete the files of the requests they reject.
    assert containers["outbox"]["containerWrite"] == "hub-ws-member,hub-data-officer"
    assert containers["outbox"]["containerRead"] == "hub-data-officer"


def _containers(result: SynthResult) -> dict[str, ResourceRecord]:
    return {r.inputs["name"]: r for r in of(result, "Container")}


def test_each_data_officer_has_a_decision_container_only_they_write(local: SynthResult) -> None:
    officers = load_site_officers()
    prefix = f"hub-local-ws-layer-{TAG}"
    containers = _containers(local)
    decisions = {n: r for n, r in containers.items() if n.startswith(f"{prefix}-decisions-")}
    assert sorted(decisions) == sorted(f"{prefix}-decisions-{o}" for o in json_list(officers))
    for name, record in decisions.items():
        officer = name.removeprefix(f"{prefix}-decisions-")
        # <workspace project id>:<that officer's user id>, as the mocks resolve them.
        assert record.inputs["containerWrite"] == f"{prefix}-project-id:{officer}-id"


def load_site_officers() -> str:
    from hubcore.stackfiles import load_layered_config

    return load_layered_config("local-network")["hub:dataOfficers"].value


def json_list(text: str) -> list[str]:
    import json

    return [str(v) for v in json.loads(text)] if text.startswith("[") else [text]


def test_the_release_area_is_in_the_site_project_and_admits_no_member(local: SynthResult) -> None:
    release = _containers(local)[f"hub-local-release-layer-{TAG}"]
    assert "containerWrite" not in release.inputs
    officers = json_list(load_site_officers())
    assert release.inputs["containerRead"] == ",".join(
        f"hub-local-ws-layer-{TAG}-project-id:{o}-id" for o in officers
    )
    # The site's provider (the operator's project), not the workspace's.
    assert release.provider is not None and "openstack-workspace" not in release.provider


def test_the_ledger_is_written_by_members_and_officers_only(local: SynthResult) -> None:
    ledger = _containers(local)[f"hub-local-ws-layer-{TAG}-airlock"]
    assert ledger.inputs["containerWrite"] == "hub-ws-member,hub-data-officer"


def test_each_member_is_a_user_of_the_workspace_project_with_two_roles(local: SynthResult) -> None:
    users = of(local, "user:User")
    assert sorted(u.inputs["name"] for u in users) == [
        f"hub-local-ws-layer-{TAG}-alice", f"hub-local-ws-layer-{TAG}-bruno",
    ]  # fmt: skip
    assert all(u.is_secret("password") for u in users)
    grants = [g.name for g in of(local, "roleAssignment:RoleAssignment")]
    assert sum("member-alice" in g for g in grants) == 2


def test_the_key_is_ordered_from_barbican(local: SynthResult) -> None:
    (order,) = of(local, "orderV1:OrderV1")
    assert order.inputs["type"] == "key" and order.inputs["meta"]["bitLength"] == 256
    assert not of(local, "secretV1:SecretV1")


def test_existing_tenancy_creates_no_project_or_user(
    synth_ws: Callable[..., SynthResult],
) -> None:
    result = synth_ws("staging", f"ovh-{TAG}", cidr="10.120.3.0/24", project="ovh-research-7")
    types = {r.type for r in result.resources}
    assert not any(t.startswith("openstack:identity/") for t in types)
    (provider,) = [r for r in result.resources if r.name == "openstack-workspace"]
    assert provider.inputs["tenantName"] == "ovh-research-7"


def test_an_ntp_server_inside_the_site_is_reached_alone(
    synth_ws: Callable[..., SynthResult],
) -> None:
    synth_ws("local", f"ntp-{TAG}", cidr="10.41.11.0/24")
    result = synthesize(f"local-ws-ntp-{TAG}", {
        "hub:memberPasswords": "[secret]", "hub:ntpServers": '["10.40.250.5", "ntp.example"]',
    })  # fmt: skip
    egress = sorted(
        r.inputs["remoteIpPrefix"]
        for r in of(result, "secGroupRule:SecGroupRule")
        if r.inputs["direction"] == "egress" and r.inputs["portRangeMin"] == 123
    )
    # An address inside 10.40.0.0/16 as itself; a name, wherever it resolves, as the site.
    assert egress == ["10.40.0.0/16", "10.40.250.5/32"]
