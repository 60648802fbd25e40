"""Two regions whose service lists exactly the same objects are one service behind two
endpoints (the local cloud's LOCAL2): the audit judges those objects once. A region that lists
anything else is read as its own. And a drift finding never repeats the credential it found."""

from __future__ import annotations

from types import SimpleNamespace

from hubctl.audit.compare import REDACTED, shown
from hubctl.audit.run import _drop_services_already_read
from hubctl.cloud.inventory import RawProject

# The services of these tests and what each lists (an inventory's kinds_by_service).
KINDS = {"compute": ("servers",), "network": ("networks",)}


def project(region: str, **objects: list[str]) -> RawProject:
    raw = RawProject("p", "hub-local", region)
    raw.objects = {kind: [SimpleNamespace(id=i) for i in ids] for kind, ids in objects.items()}
    raw.complete_services = {"compute", "network"}
    return raw


def test_a_service_listing_the_same_objects_is_judged_in_the_first_region_only():
    first = project("LOCAL1", servers=["s-1", "s-2"], networks=["n-1"])
    second = project("LOCAL2", servers=["s-1", "s-2"], networks=["n-2"])
    _drop_services_already_read(second, first, KINDS)
    assert second.of("servers") == []
    assert "compute" in second.shared_services and "compute" not in second.complete_services


def test_a_service_listing_other_objects_is_judged_in_its_own_region():
    first = project("LOCAL1", servers=["s-1", "s-2"], networks=["n-1"])
    second = project("LOCAL2", servers=["s-1", "s-2"], networks=["n-2"])
    _drop_services_already_read(second, first, KINDS)
    assert [n.id for n in second.of("networks")] == ["n-2"]
    assert "network" in second.complete_services


def test_one_object_more_in_the_second_region_keeps_it_whole():
    first = project("LOCAL1", servers=["s-1"])
    second = project("LOCAL2", servers=["s-1", "s-9"])
    _drop_services_already_read(second, first, KINDS)
    assert [s.id for s in second.of("servers")] == ["s-1", "s-9"]


def test_two_empty_listings_are_not_taken_for_one_service():
    first = project("LOCAL1", servers=[])
    second = project("LOCAL2", servers=[])
    _drop_services_already_read(second, first, KINDS)
    assert "compute" in second.complete_services


def test_a_drifted_metadata_password_is_not_shown():
    text = shown({"classification": "internal", "db_password": "Hunter2-but-longer"})
    assert "Hunter2" not in text and REDACTED in text and "internal" in text


def test_a_drifted_value_without_credential_is_shown_as_is():
    assert shown({"tier": "app"}) == '{"tier": "app"}'


def test_one_object_fewer_in_the_second_region_keeps_it_whole():
    first = project("LOCAL1", servers=["s-1", "s-2"])
    second = project("LOCAL2", servers=["s-1"])
    _drop_services_already_read(second, first, KINDS)
    assert [s.id for s in second.of("servers")] == ["s-1"]
