"""The nftables host firewall, parsed and held by the kernel, checked rule by rule."""

from __future__ import annotations

from typing import Any

import pytest

from infra.tiers import role_ports
from tests.host.probe import Target, listening_tcp_ports, nft_ruleset, unit_state


def chains(ruleset: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["chain"]["hook"]: e["chain"] for e in ruleset if "hook" in e.get("chain", {})}


def accept_rules(ruleset: list[dict[str, Any]], chain: dict[str, Any]) -> list[list[Any]]:
    return [
        e["rule"]["expr"]
        for e in ruleset
        if "rule" in e
        and e["rule"]["family"] == chain["family"]
        and e["rule"]["table"] == chain["table"]
        and e["rule"]["chain"] == chain["name"]
        and {"accept": None} in e["rule"]["expr"]
    ]


def tcp_ports_accepted(expr: list[Any]) -> set[int] | None:
    """The TCP destination ports an accepting rule opens, or None if it matches no port."""
    for statement in expr:
        match = statement.get("match", {})
        left = match.get("left", {}).get("payload", {})
        if left.get("protocol") == "tcp" and left.get("field") == "dport":
            right = match["right"]
            values = right["set"] if isinstance(right, dict) and "set" in right else [right]
            return {int(v) for v in values}
    return None


def opens_only_loopback_return_traffic_or_icmp(expr: list[Any]) -> bool:
    text = repr(expr)
    return (
        ("'iifname'" in text and "'lo'" in text)
        or ("'ct'" in text and "established" in text)
        or "'icmp'" in text
    )


@pytest.mark.measure("host-firewall")
def test_inbound_traffic_is_dropped_except_the_role_ports(target: Target) -> None:
    assert unit_state(target.host, "nftables.service") == "enabled"
    ruleset = nft_ruleset(target)
    hooks = chains(ruleset)
    assert hooks["input"]["policy"] == "drop"
    assert hooks["forward"]["policy"] == "drop"
    opened: set[int] = set()
    for expr in accept_rules(ruleset, hooks["input"]):
        ports = tcp_ports_accepted(expr)
        if ports is None:
            assert opens_only_loopback_return_traffic_or_icmp(expr), f"broad accept: {expr}"
        else:
            opened |= ports
    assert sorted(opened) == role_ports(target.role)
    if target.booted:
        # Nothing else listens where the firewall would have to stop it.
        assert listening_tcp_ports(target.host) <= set(role_ports(target.role))
