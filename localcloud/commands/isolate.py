"""`scripts/local-cloud isolate`: a command run with one region's endpoints refused."""

from __future__ import annotations

from localcloud.commands.common import say
from localcloud.layout import ADMIN_PROJECT, ADMIN_USER, KEYSTONE_URL, Layout, load_secrets
from localcloud.regions import FenceError, isolate
from localcloud.rest import Session


def cmd_isolate(layout: Layout, region: str, command: list[str], at_loss: bool = False) -> int:
    """Run a command with one region's endpoints refused (localcloud/regions.py)."""
    secret = load_secrets(layout)
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    services = {s["id"]: s["type"] for s in admin.get(f"{KEYSTONE_URL}/services")["services"]}
    endpoints = [
        {**e, "service_type": services.get(e["service_id"], "")}
        for e in admin.get(f"{KEYSTONE_URL}/endpoints")["endpoints"]
    ]
    try:
        return isolate(region, command, endpoints, at_loss=at_loss, say=say)
    except FenceError as error:
        say(f"isolate: {error}")
        return 2
