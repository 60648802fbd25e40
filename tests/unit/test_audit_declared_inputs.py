"""The pack judges a live resource by what a deployer would have had to declare for the cloud
to show it so: the provider's inputs only, without what the cloud fills in by itself (its own
project, the device Nova or a router set on a port, Swift's default storage policy). Anything
else the cloud shows is given to the pack as set, and judged."""

from __future__ import annotations

from types import SimpleNamespace

from hubcore.resource_types import CONTAINER, PORT, VOLUME
from hubctl.audit.builders import Live
from hubctl.audit.mapping import declared_inputs
from hubctl.cloud.inventory import RawProject
from policies.schema import resource_schema

PROJECT = "p-site"


def raw(**objects: list[object]) -> RawProject:
    project = RawProject(PROJECT, "hub-local", "LOCAL1")
    project.objects = {kind: list(items) for kind, items in objects.items()}
    return project


def live(token: str, **inputs: object) -> Live:
    return Live(token=token, id="x", name="x", inputs=dict(inputs), service="s")


def with_swift_policies(project: RawProject, *policies: dict[str, object]) -> RawProject:
    project.details[("swift-info", "")] = SimpleNamespace(swift={"policies": list(policies)})
    return project


def test_what_the_cloud_reports_but_no_one_declares_is_not_given_to_the_pack():
    assert "attachments" not in (resource_schema(VOLUME) or {})
    declared = declared_inputs(live(VOLUME, size=1, attachments=[{"server_id": "s"}]), raw())
    assert declared == {"size": 1}


def test_the_site_projects_own_id_is_as_if_unset():
    assert declared_inputs(live(PORT, tenantId=PROJECT), raw()) == {}


def test_another_projects_id_is_given_to_the_pack():
    assert declared_inputs(live(PORT, tenantId="p-other"), raw()) == {"tenantId": "p-other"}


def test_a_port_a_server_of_the_project_attached_is_as_if_unset():
    port = live(PORT, deviceOwner="compute:nova", deviceId="srv-1")
    assert declared_inputs(port, raw(servers=[SimpleNamespace(id="srv-1")])) == {}


def test_a_port_claimed_for_a_server_the_project_does_not_have_is_given_to_the_pack():
    port = live(PORT, deviceOwner="compute:nova", deviceId="srv-elsewhere")
    declared = declared_inputs(port, raw(servers=[SimpleNamespace(id="srv-1")]))
    assert declared == {"deviceOwner": "compute:nova", "deviceId": "srv-elsewhere"}


def test_a_router_interface_of_a_router_of_the_project_is_as_if_unset():
    port = live(PORT, deviceOwner="network:router_interface", deviceId="r-1")
    assert declared_inputs(port, raw(routers=[SimpleNamespace(id="r-1")])) == {}


def test_a_dhcp_owner_on_a_port_is_given_to_the_pack():
    port = live(PORT, deviceOwner="network:dhcp", deviceId="dhcp-x")
    declared = declared_inputs(port, raw(routers=[SimpleNamespace(id="dhcp-x")]))
    assert declared == {"deviceOwner": "network:dhcp", "deviceId": "dhcp-x"}


def test_swifts_default_storage_policy_is_as_if_unset():
    project = with_swift_policies(raw(), {"name": "Policy-0", "default": True}, {"name": "gold"})
    assert declared_inputs(live(CONTAINER, storagePolicy="Policy-0"), project) == {}


def test_a_storage_policy_other_than_the_default_is_given_to_the_pack():
    project = with_swift_policies(raw(), {"name": "Policy-0", "default": True}, {"name": "gold"})
    declared = declared_inputs(live(CONTAINER, storagePolicy="gold"), project)
    assert declared == {"storagePolicy": "gold"}


def test_a_storage_policy_is_given_to_the_pack_when_swift_did_not_say_its_default():
    declared = declared_inputs(live(CONTAINER, storagePolicy="Policy-0"), raw())
    assert declared == {"storagePolicy": "Policy-0"}


def test_the_replicas_last_sync_hubctl_writes_is_not_compared_as_drift():
    from hubctl.audit.normalise import container_metadata

    live = {"Hub-Last-Sync": "2026-12-06T12:53:25+00:00", "Purpose": "backups"}
    assert container_metadata(live) == {"purpose": "backups"}


def test_the_pack_admits_the_replicas_last_sync_key_and_no_other_new_one():
    from hubcore.metadata import LAST_SYNC_KEY
    from policies.properties import PROPERTIES, PassThrough

    admitted = PROPERTIES[CONTAINER]["metadata"]
    assert isinstance(admitted, PassThrough)
    assert LAST_SYNC_KEY in admitted.keys and "hub-last-seen" not in admitted.keys
