"""Exemptions end: owner, ticket or reason, an expiry within the pack's maximum; an expired one
exempts nothing and is a violation of its own; the evidence page lists the live ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from policies import clock
from policies.config import PackConfig, PackConfigError
from policies.evaluate import evaluate
from tests.policies.conftest import ending

PROVIDER_URN = (
    "urn:pulumi:staging-network::hub::pulumi:pulumi:Stack$pulumi:providers:openstack::openstack"
)


def suppression(**fields) -> dict:
    return {"region-eu-only": {"suppress": [{"urn": PROVIDER_URN, **fields}]}}


def days(n: int) -> str:
    """The day `n` days after the pack's today, which the `today` fixture holds for the test."""
    return (clock.today() + timedelta(days=n)).isoformat()


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def dated(fields: dict) -> dict:
    """The fields with an `expires` given in days from today as a date: parameters are made at
    collection, which may be the day before the test runs."""
    ahead = fields.get("expires")
    return {**fields, "expires": days(ahead)} if isinstance(ahead, int) else fields


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"reason": "r", "expires": 30}, "no owner"),
        ({"owner": "ops", "expires": 30}, "no reason"),
        ({"owner": "ops", "reason": "r"}, "no expiry date"),
        ({"owner": "ops", "reason": "r", "expires": "next year"}, "no expiry date"),
        ({"owner": "ops", "reason": "r", "expires": 181}, "more than 180 days ahead"),
        ({"owner": "ops", "reason": "r", "expires": 30, "why": "x"}, "'why'"),
    ],
)
def test_an_exemption_without_an_owner_reason_or_bounded_end_is_refused(fields, expected):
    with pytest.raises(PackConfigError, match=expected):
        PackConfig.from_mapping(suppression(**dated(fields)), "test")


@pytest.mark.parametrize("ahead", [0, 1, 180])
def test_an_end_up_to_the_maximum_is_accepted(ahead, today):
    loaded = PackConfig.from_mapping(suppression(owner="ops", reason="r", expires=days(ahead)), "t")
    assert loaded.suppressions[0].expires == today + timedelta(days=ahead)


def test_a_ticket_stands_for_a_reason():
    loaded = PackConfig.from_mapping(suppression(owner="ops", ticket="HUB-9", expires=days(9)), "t")
    assert loaded.suppressions[0].ticket == "HUB-9"


def test_the_maximum_is_the_pack_config_s(tmp_path):
    data = {
        **suppression(owner="ops", reason="r", expires=days(365)),
        "exemption-expired": {"maxDays": 365},
    }
    assert PackConfig.from_mapping(data, "t").max_exemption_days == 365
    data["exemption-expired"] = {"maxDays": 364}
    with pytest.raises(PackConfigError, match="more than 364 days"):
        PackConfig.from_mapping(data, "t")


@pytest.mark.parametrize("value", [0, -1, "180", True])
def test_a_maximum_that_is_not_a_whole_number_of_days_is_refused(value):
    with pytest.raises(PackConfigError, match="maxDays"):
        PackConfig.from_mapping({"exemption-expired": {"maxDays": value}}, "t")


def _expired_config(monkeypatch, expires_in: int) -> PackConfig:
    """A suppression made when it was valid, judged `expires_in` days after its end."""
    made = PackConfig.from_mapping(suppression(owner="ops", reason="drill", expires=days(5)), "t")
    later = clock.today() + timedelta(days=5 + expires_in)
    monkeypatch.setattr(clock, "today", lambda: later)
    made.properties["exemption-expired"] = {"asOf": later.isoformat()}
    return made


def test_on_its_last_day_a_suppression_still_suppresses(target, monkeypatch):
    config = _expired_config(monkeypatch, 0)
    staging = target("staging-network", openstack__region="UK1")
    report = evaluate(staging, config)
    assert [v.policy for v in report.violations if v.policy == "region-eu-only"] == []
    assert [v for v in report.violations if v.policy == "exemption-expired"] == []


def test_the_day_after_its_end_the_finding_returns_with_the_exemption_s_own(target, monkeypatch):
    config = _expired_config(monkeypatch, 1)
    staging = target("staging-network", openstack__region="UK1")
    report = evaluate(staging, config)
    assert "region-eu-only" in {v.policy for v in report.mandatory}
    [expired] = [v for v in report.mandatory if v.policy == "exemption-expired"]
    assert "owner ops" in expired.message and "expired on" in expired.message


def test_an_expired_allowance_admits_nothing(target, monkeypatch, today):
    import dataclasses

    from policies.model import ResourceView

    network = target("staging-network")
    zone = ResourceView(
        urn="urn:pulumi:staging-network::hub::openstack:dns/zone:Zone::z",
        type="openstack:dns/zone:Zone",
        name="z",
    )
    network = dataclasses.replace(network, resources=[*network.resources, zone])
    allow = {"type": zone.type, "reason": "names", **ending(days=3)}
    config = PackConfig.from_mapping({"inventory-known-type": {"allow": [allow]}}, "t")
    assert [v for v in evaluate(network, config).mandatory if v.urn == zone.urn] == []
    later = today + timedelta(days=4)
    monkeypatch.setattr(clock, "today", lambda: later)
    config.properties["exemption-expired"] = {"asOf": later.isoformat()}
    policies = {v.policy for v in evaluate(network, config).mandatory if v.urn in (zone.urn,)}
    assert "inventory-known-type" in policies


def test_the_engine_honours_only_live_suppressions(monkeypatch, today):
    from policies import engine

    entry = {"urn": "u", "owner": "ops", "reason": "r", "expires": days(0)}
    assert engine._suppressed({"suppress": [entry]}, "u")
    monkeypatch.setattr(clock, "today", lambda: today + timedelta(days=1))
    assert not engine._suppressed({"suppress": [entry]}, "u")
    assert not engine._suppressed({"suppress": [{"urn": "u", "reason": "r"}]}, "u")


def test_under_the_engine_an_exemption_without_an_end_is_reported(target):
    from policies import engine
    from policies.evaluate import run_rule
    from policies.model import Context
    from policies.registry import REGISTRY

    stack = engine.EngineStack()
    stack.pack_config = {"region-eu-only": {"suppress": [{"urn": "u", "reason": "r"}]}}
    context = Context(
        site=target("staging-network").site, resources=[], exemptions=stack.exemptions()
    )
    [outcome] = run_rule(REGISTRY["exemption-expired"], None, context.with_rule_config({}))
    assert "has no expiry date" in outcome.message


def test_the_evidence_page_lists_live_exemptions_with_owner_and_end(tmp_path: Path, today):
    from hubctl.commands.evidence import build, render_html

    data = {
        "region-eu-only": {
            "suppress": [{"urn": PROVIDER_URN, "owner": "ops@hub", "ticket": "HUB-7",
                          "expires": days(20)}]
        },
        "inventory-known-type": {
            "allow": [{"type": "random:index/randomId:RandomId", "reason": "names only",
                       "owner": "dev@hub", "expires": days(90)}]
        },
    }  # fmt: skip
    config = PackConfig.from_mapping(data, "t")
    evidence = build("local", config, tmp_path, noon(today))
    assert [(e["owner"], e["expires"]) for e in evidence["exemptions"]] == [
        ("ops@hub", days(20)),
        ("dev@hub", days(90)),
    ]
    assert evidence["counts"]["exemptions"] == 2
    page = render_html(evidence, None)
    assert "HUB-7" in page and days(90) in page and "dev@hub" in page


def test_an_expired_exemption_is_not_listed_as_live(tmp_path: Path, today):
    from hubctl.commands.evidence import build

    config = PackConfig.from_mapping(suppression(owner="ops", reason="r", expires=days(1)), "t")
    later = noon(today) + timedelta(days=2)
    evidence = build("local", config, tmp_path, later)
    assert evidence["exemptions"] == []


def test_the_pack_reads_the_day_from_its_one_clock():
    """Every date the pack judges is judged against `policies.clock.today()`: a second reader of
    the current time could judge a suppression and its own exemption on two different days."""
    import ast

    readers = []
    for path in sorted(Path("policies").rglob("*.py")):
        if path == Path("policies/clock.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Attribute) or node.attr not in {"now", "today", "utcnow"}:
                continue
            # datetime.now, date.today, and the module-qualified datetime.datetime.now alike.
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if name in {"datetime", "date"}:
                readers.append(f"{path}:{node.lineno}")
    assert readers == []
