"""The region catalogue: one source of truth, deliberate matching, EU membership by country."""

from __future__ import annotations

import pytest

from hubcore.catalogue import EU_MEMBER_STATES, is_loopback_url, load_catalogue

catalogue = load_catalogue()


def test_every_region_names_a_known_provider() -> None:
    unknown = {
        r.code: r.provider for r in catalogue.regions if r.provider not in catalogue.providers
    }
    assert unknown == {}


def test_region_codes_aliases_and_zones_are_unique() -> None:
    names = [n.upper() for r in catalogue.regions for n in (r.code, *r.aliases, *r.zones)]
    duplicates = {n for n in names if names.count(n) > 1}
    assert duplicates == set()


@pytest.mark.parametrize("name", ["GRA11", "gra11", " Gra11 ", "SBG5", "EU-WEST-PAR", "DE1"])
def test_eu_regions_resolve_in_any_case(name: str) -> None:
    region = catalogue.lookup(name)
    assert region is not None and region.eu


@pytest.mark.parametrize("zone", ["eu-west-par-a", "EU-WEST-PAR-C", "eu-south-mil-b"])
def test_a_zone_resolves_to_its_region(zone: str) -> None:
    region = catalogue.lookup(zone)
    assert region is not None and zone.upper().startswith(region.code)


@pytest.mark.parametrize("name", ["UK1", "BHS5", "SGP1", "SYD1", "US-EAST-VA-1", "CA-EAST-TOR"])
def test_known_regions_outside_the_eu_are_not_eu(name: str) -> None:
    region = catalogue.lookup(name)
    assert region is not None and not region.eu


@pytest.mark.parametrize("name", ["", "  ", "GRA-11", "gra 11", "EU-CENTRAL-LZ-ZRH", "eu-west-99"])
def test_unknown_spellings_are_unknown(name: str) -> None:
    assert catalogue.lookup(name) is None


def test_united_kingdom_switzerland_and_norway_are_not_eu_members() -> None:
    assert {"GB", "CH", "NO"}.isdisjoint(EU_MEMBER_STATES)
    assert len(EU_MEMBER_STATES) == 27


@pytest.mark.parametrize(
    ("wanted", "suggested"),
    [("GRA-11", "GRA11"), ("sgb5", "SBG5"), ("eu-west-parr", "EU-WEST-PAR"), ("UK1", "GRA11")],
)
def test_nearest_eu_region_is_suggested(wanted: str, suggested: str) -> None:
    assert catalogue.nearest_eu_region(wanted).code == suggested


def test_secnumcloud_and_eu_are_separate_facts() -> None:
    assert catalogue.lookup("GRA11").eu and not catalogue.lookup("GRA11").secnumcloud  # type: ignore[union-attr]
    assert catalogue.lookup("EU-WEST-RBX-SNC").secnumcloud  # type: ignore[union-attr]


def test_us_identity_endpoint_belongs_to_a_us_provider() -> None:
    provider = catalogue.provider_of_endpoint("https://auth.us.cloud.ovh.us/v3")
    assert provider is not None
    assert catalogue.providers[provider].headquarters == "US"


def test_luks_types_are_distinct_from_plain_types() -> None:
    for region in catalogue.regions:
        assert set(region.luks_volume_types).isdisjoint(region.volume_types), region.code


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:5000/v3", True),
        ("http://localhost:8080", True),
        ("https://auth.cloud.ovh.net/v3", False),
    ],
)
def test_loopback_urls_are_recognised(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback
