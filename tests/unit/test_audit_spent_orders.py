"""A Barbican order whose key is deleted holds nothing: Cinder keeps the order of every deleted
volume's key, so a project accumulates them. The audit lists such an order as the cloud's own,
never as unmanaged, but only when a complete listing of the secrets says the key is gone."""

from __future__ import annotations

from types import SimpleNamespace

from hubcore.resource_types import ORDER
from hubctl.audit.builders import Live
from hubctl.audit.mapping import LIVE_TYPES
from hubctl.cloud.inventory import RawProject

BASE = "http://127.0.0.1:9311/v1"


def order(ident: str, secret: str, status: str = "ACTIVE") -> SimpleNamespace:
    return SimpleNamespace(
        order_ref=f"{BASE}/orders/{ident}",
        secret_ref=f"{BASE}/secrets/{secret}",
        meta={},
        type="key",
        status=status,
        container_ref=None,
    )


def secret(ident: str) -> SimpleNamespace:
    return SimpleNamespace(secret_ref=f"{BASE}/secrets/{ident}")


def orders(*, secrets: list[str], listed_completely: bool = True, **kwargs: str) -> list[Live]:
    raw = RawProject("p", "hub-local", "LOCAL1")
    raw.objects = {
        "orders": [order("o-1", "s-1", **kwargs)],
        "secrets": [secret(s) for s in secrets],
    }
    if listed_completely:
        raw.complete_services = {"key-manager"}
    return list(LIVE_TYPES[ORDER].build(raw))


def test_an_order_whose_key_is_gone_is_the_clouds_own():
    [found] = orders(secrets=["s-other"])
    assert found.built_in is not None


def test_an_order_whose_key_exists_is_judged():
    [found] = orders(secrets=["s-1"])
    assert found.built_in is None


def test_an_order_is_judged_when_the_secrets_were_not_all_listed():
    [found] = orders(secrets=[], listed_completely=False)
    assert found.built_in is None


def test_an_order_still_pending_is_judged():
    [found] = orders(secrets=[], status="PENDING")
    assert found.built_in is None
