"""What several rules of the stack family share. Registers no rule."""

from __future__ import annotations

import json
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from policies.model import Outcome, failed
from policies.properties import Refused

PRIVATE_SPACE = tuple(
    ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def is_private(network: IPv4Network | IPv6Network) -> bool:
    return any(
        network.version == space.version and network.subnet_of(space)  # type: ignore[arg-type]
        for space in PRIVATE_SPACE
    )


# --- every configuration source: the project file, the stack file, the environment -------------


def refusal(where: str, key: str, verdict: Refused, value: Any) -> Outcome:
    default = "unset" if verdict.default is None else f"unset or {verdict.default!r}"
    return failed(
        f"{where} sets {key} ({shown_value(value)}), which the pack refuses (allowed: {default}): "
        f"{verdict.reason}.",
    )


def shown_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return repr(text if len(text) <= 80 else text[:80] + "...")
