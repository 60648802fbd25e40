"""The catalogue and the credentials as hubctl's seam reads them (hubctl.cloud): the endpoints a
token lists in a region, the URL a session resolves, the identity endpoint the credentials use.
Stand-ins hold what keystoneauth gives (Keystone's v3 token catalogue: a list of services, each
with a type and its endpoints, each with a region, an interface and a URL)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hubctl.cloud import auth_url_of, catalogue_endpoints, region_endpoint

CATALOGUE: list[dict[str, Any]] = [
    {"type": "identity", "endpoints": [
        {"region": "GRA", "interface": "public", "url": "https://auth.example/v3"},
    ]},
    {"type": "network", "endpoints": [
        {"region": "GRA", "interface": "public", "url": "https://network.gra.example"},
        {"region": "GRA", "interface": "internal", "url": "http://10.0.0.9:9696"},
        {"region": "SBG", "interface": "public", "url": "https://network.sbg.example"},
    ]},
    {"type": "key-manager", "endpoints": [
        {"region": "SBG", "interface": "public", "url": "https://kms.sbg.example"},
        {"region": "SBG", "interface": "admin", "url": "http://10.0.1.9:9311"},
    ]},
]  # fmt: skip


class Session:
    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []
        self.auth = SimpleNamespace(get_access=self._access)

    def _access(self, session: Session) -> Any:
        assert session is self
        return SimpleNamespace(service_catalog=SimpleNamespace(catalog=CATALOGUE))

    def get_endpoint(self, **wanted: Any) -> str | None:
        self.asked.append(wanted)
        for entry in CATALOGUE:
            for endpoint in entry["endpoints"]:
                if (entry["type"], endpoint["region"], endpoint["interface"]) == (
                    wanted["service_type"], wanted["region_name"], wanted["interface"]
                ):  # fmt: skip
                    return str(endpoint["url"])
        return None


def connection() -> Any:
    config = SimpleNamespace(config={"auth": {"auth_url": "https://auth.example/v3"}})
    return SimpleNamespace(session=Session(), config=config)


def test_a_regions_endpoints_are_its_public_ones_of_every_service() -> None:
    assert catalogue_endpoints(connection(), "SBG") == [
        ("network", "https://network.sbg.example"),
        ("key-manager", "https://kms.sbg.example"),
    ]


def test_a_region_the_catalogue_does_not_name_has_no_endpoint() -> None:
    assert catalogue_endpoints(connection(), "WAW") == []


def test_a_services_public_url_in_a_region_is_the_sessions_answer() -> None:
    conn = connection()
    assert region_endpoint(conn, "network", "SBG") == "https://network.sbg.example"
    assert conn.session.asked == [
        {"service_type": "network", "interface": "public", "region_name": "SBG"}
    ]


def test_a_service_a_region_lacks_has_no_url() -> None:
    assert region_endpoint(connection(), "key-manager", "GRA") is None


def test_the_identity_endpoint_is_the_credentials_auth_url() -> None:
    assert auth_url_of(connection()) == "https://auth.example/v3"
    assert auth_url_of(SimpleNamespace(config=SimpleNamespace(config={}))) == ""
