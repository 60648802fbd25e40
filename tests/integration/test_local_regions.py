"""LOCAL2 on endpoints of its own: every service answers there, on ports LOCAL1 does not use.

Reads only (the test session's own projects), so the user's site is not touched.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from localcloud.regions import DR_PORTS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def dr(test_tenant: Any) -> Any:
    """The session's `local-dr` project in LOCAL2."""
    return test_tenant.connect("local-dr")


def public_ports(conn: Any, region: str) -> dict[str, int]:
    catalog = conn.session.auth.get_access(conn.session).service_catalog.catalog
    return {
        entry["type"]: urlsplit(endpoint["url"]).port
        for entry in catalog
        for endpoint in entry["endpoints"]
        if endpoint["region"] == region and endpoint["interface"] == "public"
    }


def test_local2_shares_no_service_port_with_local1(dr: Any) -> None:
    local1, local2 = public_ports(dr, "LOCAL1"), public_ports(dr, "LOCAL2")
    assert set(local1) == set(local2)
    shared = {kind for kind in local1 if local1[kind] == local2[kind]}
    assert shared == {"identity"}  # one Keystone for every region
    assert {local2[k] for k in local2 if k != "identity"} == set(DR_PORTS.values())


def test_every_service_answers_through_local2s_endpoints(dr: Any) -> None:
    assert list(dr.compute.flavors())
    assert list(dr.network.networks())
    assert list(dr.image.images())
    assert list(dr.block_storage.types())
    dr.object_store.get_account_metadata()
    list(dr.key_manager.secrets())


def test_barbican_references_name_the_endpoint_used(dr: Any) -> None:
    secret = dr.key_manager.create_secret(name="hub-regions-test", payload="x",
                                          payload_content_type="text/plain")  # fmt: skip
    try:
        assert urlsplit(secret.secret_ref).port == DR_PORTS[9311]
    finally:
        dr.key_manager.delete_secret(secret.id)
