"""Classification of live resources against the site's states, and drift, on small worlds.

The live side is what hubctl.audit.builders builds (Live), the state side what a state export
gives (ResourceView): each case changes one thing of a world where everything is managed.
"""

from __future__ import annotations

from typing import Any

from hubcore.resource_types import (
    CONTAINER,
    KEYPAIR,
    ORDER,
    PORT,
    SECRET,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    VOLUME,
)
from hubctl.audit.builders import Live
from hubctl.audit.compare import Status, classify, drift_of, missing
from hubctl.cloud import fault_of
from hubctl.cloud.inventory import GapKind, Reader, Truncated, gap_of
from policies.model import SECRET_MASK, ResourceView

STACK = "local-network"


def live(token: str, ident: str, **inputs: Any) -> Live:
    return Live(token, ident, ident, dict(inputs), "network")


def state(token: str, ident: str, **inputs: Any) -> ResourceView:
    return ResourceView(
        urn=f"urn:pulumi:{STACK}::hub::{token}::{ident}", type=token, name=ident, inputs=inputs,
        id=ident,
    )  # fmt: skip


GROUP = {"name": "hub-local-app", "deleteDefaultRules": True, "tags": ["tier=app"]}


def statuses(comparison: Any) -> dict[str, Status]:
    return {entry.live.id: entry.status for entry in comparison.classified}


def test_a_live_resource_a_state_holds_by_its_id_is_managed():
    found = classify(
        [live(SECURITY_GROUP, "g1", **GROUP)], {STACK: [state(SECURITY_GROUP, "g1", **GROUP)]}
    )
    assert statuses(found) == {"g1": Status.MANAGED} and found.drift == {}


def test_the_same_id_under_another_type_is_not_managed():
    found = classify([live(SECURITY_GROUP, "g1", **GROUP)], {STACK: [state(PORT, "g1")]})
    assert statuses(found) == {"g1": Status.UNMANAGED}


def test_a_rule_added_to_a_managed_group_is_that_groups_drift_not_an_unmanaged_resource():
    rule = live(SECURITY_GROUP_RULE, "r9", securityGroupId="g1", direction="ingress")
    found = classify(
        [live(SECURITY_GROUP, "g1", **GROUP), rule], {STACK: [state(SECURITY_GROUP, "g1", **GROUP)]}
    )
    assert statuses(found)["r9"] is Status.GROUP_DRIFT
    assert [r.id for r in found.group_drift[f"urn:pulumi:{STACK}::hub::{SECURITY_GROUP}::g1"]] == [
        "r9"
    ]


def test_a_rule_added_to_an_unmanaged_group_is_unmanaged():
    rule = live(SECURITY_GROUP_RULE, "r9", securityGroupId="g2", direction="ingress")
    found = classify([live(SECURITY_GROUP, "g2", **GROUP), rule], {STACK: []})
    assert statuses(found) == {"g2": Status.UNMANAGED, "r9": Status.UNMANAGED}


def test_the_clouds_own_objects_are_listed_and_neither_managed_nor_unmanaged():
    default = live(SECURITY_GROUP, "d1", name="default")
    default.built_in = "Neutron's own group of every project"
    assert statuses(classify([default], {STACK: []})) == {"d1": Status.BUILT_IN}


def test_the_key_cinder_made_for_a_managed_luks_volume_is_managed_through_it():
    key = Live(SECRET, "k1", "", {}, "key-manager", owners=("v1",))
    found = classify([key], {"local-compute": [state(VOLUME, "v1")]})
    assert statuses(found) == {"k1": Status.MANAGED}
    assert found.classified[0].why.startswith("made by")


def test_the_key_an_order_generated_is_managed_through_the_order():
    order = state(ORDER, "o1", secretRef="http://127.0.0.1:9311/v1/secrets/s1")
    found = classify([Live(SECRET, "s1", "", {}, "key-manager")], {"local-kms": [order]})
    assert statuses(found) == {"s1": Status.MANAGED}


def test_a_secret_no_state_made_is_unmanaged():
    order = state(ORDER, "o1", secretRef="http://127.0.0.1:9311/v1/secrets/s1")
    found = classify([Live(SECRET, "s2", "", {}, "key-manager")], {"local-kms": [order]})
    assert statuses(found) == {"s2": Status.UNMANAGED}


def test_the_sites_state_bucket_is_the_backends_not_unmanaged():
    found = classify([live(CONTAINER, "hub-local-state")], {}, state_bucket="hub-local-state")
    assert statuses(found) == {"hub-local-state": Status.STATE_BACKEND}
    other = classify([live(CONTAINER, "hub-local-other")], {}, state_bucket="hub-local-state")
    assert statuses(other) == {"hub-local-other": Status.UNMANAGED}


def test_a_router_interfaces_port_is_part_of_it():
    port = Live(PORT, "p1", "", {}, "network", owners=("p1",))
    assert statuses(classify([port], {STACK: []})) == {"p1": Status.PART}


# --------------------------------------------------------------------------- drift


def test_a_compared_property_that_differs_is_drift_naming_both_values():
    group = state(CONTAINER, "c1", containerRead="", metadata={"site": "local"})
    drifts, _ = drift_of(
        live(CONTAINER, "c1", containerRead=".r:*", metadata={"Site": "local"}), group
    )
    assert [(d.prop, d.state_value, d.live_value) for d in drifts] == [
        ("containerRead", "", ".r:*")
    ]


def test_a_managed_resource_that_differs_from_its_state_is_listed_as_drifted():
    changed = {**GROUP, "deleteDefaultRules": False}
    found = classify(
        [live(SECURITY_GROUP, "g1", **changed)], {STACK: [state(SECURITY_GROUP, "g1", **GROUP)]}
    )
    [(urn, drifts)] = found.drift.items()
    assert urn.endswith("::g1") and [d.prop for d in drifts] == ["deleteDefaultRules"]


def test_a_resource_managed_through_its_maker_is_not_compared_with_the_maker():
    key = Live(SECRET, "k1", "", {"name": "other"}, "key-manager", owners=("v1",))
    assert classify([key], {"local-compute": [state(VOLUME, "v1", name="vol")]}).drift == {}


def test_unset_in_any_spelling_is_no_drift():
    rule = state(SECURITY_GROUP_RULE, "r1", protocol="tcp", portRangeMin=0, remoteIpPrefix="")
    drifts, _ = drift_of(live(SECURITY_GROUP_RULE, "r1", protocol="tcp", portRangeMin=None), rule)
    assert drifts == []


def test_tags_compare_with_every_tag_the_provider_recorded_in_any_order():
    view = state(SECURITY_GROUP, "g1", name="x", tags=["a=1"], allTags=["a=1", "b=2"])
    assert drift_of(live(SECURITY_GROUP, "g1", name="x", tags=["b=2", "a=1"]), view)[0] == []
    assert [
        d.prop for d in drift_of(live(SECURITY_GROUP, "g1", name="x", tags=["a=1"]), view)[0]
    ] == ["tags"]


def test_a_value_the_state_keeps_secret_is_not_compared_and_said_so():
    view = state(CONTAINER, "c1", containerRead=SECRET_MASK)
    assert drift_of(live(CONTAINER, "c1", containerRead=".r:*"), view) == ([], ["containerRead"])


# --------------------------------------------------------------------------- missing


def test_a_state_resource_the_cloud_lacks_is_missing_when_its_service_was_read():
    states = {STACK: [state(SECURITY_GROUP, "g1")]}
    gone, unseen = missing(states, set(), {"network"}, keypair_owner_visible=True)
    assert [v.id for _, v in gone] == ["g1"] and unseen == []


def test_it_is_only_unseen_when_its_service_was_not_read_completely():
    states = {STACK: [state(SECURITY_GROUP, "g1")]}
    gone, unseen = missing(states, set(), {"compute"}, keypair_owner_visible=True)
    assert gone == [] and "network" in unseen[0][2]


def test_a_key_pair_of_another_user_is_unseen_not_missing():
    states = {"local-compute": [state(KEYPAIR, "hub-local-admin")]}
    gone, unseen = missing(states, set(), {"compute"}, keypair_owner_visible=False)
    assert gone == [] and "user" in unseen[0][2]


def test_a_type_with_no_cloud_object_is_never_missing():
    states = {"local-kms": [state("tls:index/privateKey:PrivateKey", "k")]}
    assert missing(states, set(), {"network"}, keypair_owner_visible=True) == ([], [])


# --------------------------------------------------------------------------- faults


def fault(error: BaseException) -> tuple[GapKind, str]:
    """The gap a failed read of the OpenStack client becomes."""
    return gap_of(*fault_of(error))


def test_faults_are_named_by_what_happened():
    from keystoneauth1 import exceptions as ksa
    from openstack import exceptions as sdk

    assert fault(ksa.ConnectFailure("refused"))[0] is GapKind.UNREACHABLE
    assert fault(ksa.ConnectTimeout("slow"))[0] is GapKind.TIMEOUT
    assert fault(sdk.ForbiddenException("no"))[0] is GapKind.FORBIDDEN
    assert fault(ksa.EndpointNotFound("none"))[0] is GapKind.ABSENT
    assert fault(ValueError("odd"))[0] is GapKind.ERROR


def test_the_audits_raw_requests_are_named_by_their_http_status():
    """The audit's own GETs (Swift's container headers, Barbican's ACLs) raise the seam's
    HttpStatusError: its status alone says what happened."""
    from hubctl.cloud import HttpStatusError

    assert fault(HttpStatusError("acl", 403)) == (
        GapKind.FORBIDDEN,
        "HTTP 403: the auditing identity may not read it",
    )
    assert fault(HttpStatusError("container x not found", 404)) == (GapKind.ERROR, "HTTP 404")
    assert fault(HttpStatusError("acl", 503)) == (GapKind.ERROR, "HTTP 503")


def test_the_seam_tells_a_404_from_other_errors():
    from openstack import exceptions as sdk

    from hubctl.cloud import Fault, HttpStatusError, fault_of

    assert fault_of(HttpStatusError("gone", 404))[0] is Fault.NOT_FOUND
    assert fault_of(sdk.NotFoundException("gone"))[0] is Fault.NOT_FOUND
    assert fault_of(HttpStatusError("odd", 409))[0] is Fault.ERROR


def test_only_forbidden_and_absent_services_leave_an_inventory_complete():
    assert {k for k in GapKind if not k.partial} == {GapKind.FORBIDDEN, GapKind.ABSENT}


def test_a_listing_at_the_limit_is_read_whole_and_one_past_it_is_truncated():
    assert len(Reader(fault_of, "p", "R", 3).listing("network", "x", lambda: range(3))) == 3
    try:
        Reader(fault_of, "p", "R", 2).listing("network", "x", lambda: range(3))
    except Truncated:
        return
    raise AssertionError("a listing past the limit was read whole")


def test_a_listing_that_fails_midway_keeps_what_it_read_and_records_the_gap():
    def broken() -> Any:
        yield 1
        raise ConnectionResetError("reset")

    reader = Reader(fault_of, "p", "R", 10)
    assert reader.listing("block-storage", "volumes", broken) == [1]
    assert [(g.kind, g.service) for g in reader.gaps] == [(GapKind.UNREACHABLE, "block-storage")]


def test_a_resource_deleted_between_its_listing_and_its_details_is_vanished():
    from openstack import exceptions as sdk

    def gone() -> Any:
        raise sdk.NotFoundException("404: container not found")

    reader = Reader(fault_of, "hub-local", "LOCAL1", 10)
    assert reader.detail("object-store", "container c", gone) is None
    assert [(g.kind, g.kind.partial) for g in reader.gaps] == [(GapKind.VANISHED, True)]
