"""Swift container ACLs as Swift reads them (clean_acl, parse_acl_v1, referrer_allowed,
keystoneauth's project:user matching). Expected values come from Swift's documentation
(clean_acl's docstring table, the keystoneauth middleware's ACL section), not from the pack."""

from __future__ import annotations

import pytest

from policies.model import SECRET_MASK, UNKNOWN_MASK, Status
from policies.swift import clean_acl, judge_acl, public_referrers, referrer_allowed
from tests.policies.conftest import failures, find, mutate, statuses

CONTAINER = "container:Container"


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [  # the "messy ACL" table of clean_acl's docstring
        ("bob, sue", ["bob", "sue"]),
        ("bob , sue", ["bob", "sue"]),
        ("bob,,,sue", ["bob", "sue"]),
        (".referrer : *", [".r:*"]),
        (".ref:*.example.com", [".r:.example.com"]),
        (".r:*, .rlistings", [".r:*", ".rlistings"]),
    ],
)
def test_acls_are_cleaned_as_swift_cleans_them(raw, cleaned):
    assert clean_acl(raw, write=False) == cleaned


@pytest.mark.parametrize(
    "acl",
    [
        ".r:*",
        ".ref:*",
        ".referer:*",
        ".referrer:*",
        " .r : * ",
        ".r:*.example.com",
        ".r:.example.com",
        ".r:www.example.com",
        ".r:-evil.example,.r:*",
        ".r:*,.r:-evil.example",
        "%2A:%2A",
        "*:*",
        "other-project:*",
        "*:alice",
        ".r:*,.rlistings",
        ".rlistings",
    ],
)
def test_acls_that_reach_beyond_the_project_are_found(acl):
    verdict = judge_acl(acl, write=False)
    assert verdict.refused is None and verdict.beyond


@pytest.mark.parametrize(
    "acl",
    [
        "project-a:alice",
        "1d2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
        "swiftoperator",
        ".r:example.com,.r:-example.com",
        ".r:-evil.example",
        "",
        " , ",
    ],
)
def test_acls_that_stay_within_named_projects_users_or_roles_pass(acl):
    verdict = judge_acl(acl, write=False)
    assert verdict.refused is None and verdict.beyond == []


@pytest.mark.parametrize(
    ("acl", "write"),
    [(".r:", False), (".r:-", False), (".r:.", False), (".foo:bar", False), (".r:*", True)],
)
def test_acls_swift_refuses_are_refused(acl, write):
    assert judge_acl(acl, write=write).refused


def test_a_later_negation_overrides_an_earlier_grant_as_in_swift():
    referrers = [".example.com", "-thief.example.com"]
    assert referrer_allowed("http://www.example.com/", referrers)
    assert not referrer_allowed("http://thief.example.com/", referrers)
    assert public_referrers(referrers)  # www.example.com may be claimed by anyone


def test_a_referrer_host_in_capitals_can_never_match_a_lower_cased_referer():
    assert public_referrers(["Example.COM"]) == []


def test_a_public_acl_on_a_shipped_container_fails_and_its_original_passes(target):
    storage = target("prod-storage")
    container = find(storage, CONTAINER, "dataset")
    assert statuses("encryption-container-private", storage, container) == {Status.PASS}
    changed, public = mutate(storage, container, containerRead=".referrer : *")
    [message] = failures("encryption-container-private", changed, public)
    assert ".r:*" in message


def test_a_referrer_in_a_write_acl_fails_because_swift_refuses_it(target):
    storage = target("prod-storage")
    changed, container = mutate(storage, find(storage, CONTAINER, "dataset"), containerWrite=".r:*")
    [message] = failures("encryption-container-private", changed, container)
    assert "Swift refuses" in message


@pytest.mark.parametrize("mask", [SECRET_MASK, UNKNOWN_MASK])
def test_an_acl_the_pack_cannot_read_fails_closed(target, mask):
    storage = target("prod-storage")
    secret = ("containerRead",) if mask == SECRET_MASK else ()
    changed, container = mutate(
        storage, find(storage, CONTAINER, "dataset"), secret=secret, containerRead=mask
    )
    [message] = failures("encryption-container-private", changed, container)
    assert "could not be judged" in message
