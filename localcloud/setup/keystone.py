"""Keystone: its config, schema and Fernet keys, the regions, projects, users and catalog, the
workspace roles and data officers, and LOCAL2's endpoints."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from localcloud.layout import (
    ADMIN_PROJECT,
    ADMIN_USER,
    DR_PROJECT,
    DR_REGION,
    HUB_PROJECT,
    HUB_USER,
    REGION,
    SERVICE_USER,
    Layout,
    render,
)
from localcloud.regions import endpoint_url
from localcloud.rest import Session
from localcloud.setup.common import run

DATABASES = ("keystone",)
# (service name, type, URL) of the catalog: steps.CATALOG lists every service's.
IDENTITY = ("keystone", "identity", "http://127.0.0.1:5000/v3")


def configure(layout: Layout, values: dict[str, str]) -> None:
    render("keystone.conf", layout.etc / "keystone" / "keystone.conf", values)
    (layout.state / "keystone").mkdir(parents=True, exist_ok=True)


def write_fernet_repository(folder: Path) -> None:
    """A Fernet key repository as keystone-manage creates it: key 0 staged, key 1 primary."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for index in ("0", "1"):
        key = folder / index
        if not key.exists():
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())


def _keystone_schema(layout: Layout, secret: dict[str, str]) -> None:
    conf = ["--config-file", str(layout.etc / "keystone" / "keystone.conf")]
    run(layout, ["keystone-manage", *conf, "db_sync"], "keystone")
    # What fernet_setup and credential_setup would do, without two more keystone-manage
    # start-ups (10 to 30 s each on a busy machine) on the critical path of a cold start.
    for folder in ("fernet-keys", "credential-keys"):
        write_fernet_repository(layout.state / "keystone" / folder)
    run(
        layout,
        [
            "keystone-manage",
            *conf,
            "bootstrap",
            "--bootstrap-password",
            secret["admin_password"],
            "--bootstrap-username",
            ADMIN_USER,
            "--bootstrap-project-name",
            ADMIN_PROJECT,
            "--bootstrap-role-name",
            "admin",
            "--bootstrap-service-name",
            "keystone",
            "--bootstrap-region-id",
            REGION,
            "--bootstrap-admin-url",
            "http://127.0.0.1:5000/v3",
            "--bootstrap-internal-url",
            "http://127.0.0.1:5000/v3",
            "--bootstrap-public-url",
            "http://127.0.0.1:5000/v3",
        ],
        "keystone",
    )


def schema_steps(layout: Layout, secret: dict[str, str]) -> dict[str, Callable[[], None]]:
    return {"schema-keystone": lambda: _keystone_schema(layout, secret)}


def register_identity(
    layout: Layout, secret: dict[str, str], catalog: Iterable[tuple[str, str, str]]
) -> None:
    """Regions, service user, catalog (`catalog`: steps.CATALOG), hub projects and user:
    everything Keystone must know."""
    if layout.done("identity"):
        return
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    ks = "http://127.0.0.1:5000/v3"

    regions = {r["id"] for r in admin.get(f"{ks}/regions")["regions"]}
    for region, text in (
        (REGION, "local cloud, primary region"),
        (DR_REGION, "local cloud, DR region (LOCAL1's services behind endpoints of its own)"),
    ):
        if region not in regions:
            admin.post(f"{ks}/regions", {"region": {"id": region, "description": text}})

    roles = {r["name"]: r["id"] for r in admin.get(f"{ks}/roles")["roles"]}
    for role in ("service", "member", "reader", "creator", "ResellerAdmin", "swiftoperator"):
        if role not in roles:
            roles[role] = admin.post(f"{ks}/roles", {"role": {"name": role}})["role"]["id"]

    projects = admin.get(f"{ks}/projects")["projects"]
    project_ids: dict[str, str] = {p["name"]: p["id"] for p in projects}
    for name, text in (
        ("service", "OpenStack service users"),
        (HUB_PROJECT, "Sovereign Hub, local site"),
        (DR_PROJECT, "Sovereign Hub, disaster-recovery drill"),
    ):
        if name not in project_ids:
            project_ids[name] = admin.post(
                f"{ks}/projects",
                {"project": {"name": name, "domain_id": "default", "description": text}},
            )["project"]["id"]

    users = {u["name"]: u["id"] for u in admin.get(f"{ks}/users")["users"]}
    for name, password, project in (
        (SERVICE_USER, secret["service_password"], "service"),
        (HUB_USER, secret["hub_admin_password"], HUB_PROJECT),
    ):
        if name not in users:
            users[name] = admin.post(
                f"{ks}/users",
                {
                    "user": {
                        "name": name,
                        "domain_id": "default",
                        "password": password,
                        "default_project_id": project_ids[project],
                    }
                },
            )["user"]["id"]
    grants = [("service", SERVICE_USER, "admin"), ("service", SERVICE_USER, "service")]
    for project in (HUB_PROJECT, DR_PROJECT):
        grants += [
            (project, HUB_USER, "admin"),
            (project, HUB_USER, "member"),
            (project, HUB_USER, "creator"),
        ]
    # Grants and endpoints go out four at a time: one by one, the ~60 calls took over a minute
    # of a cold start while the schema migrations kept both cores busy.
    calls: list[Callable[[], object]] = [
        partial(admin.put, f"{ks}/projects/{project_ids[p]}/users/{users[u]}/roles/{roles[r]}")
        for p, u, r in grants
    ]

    services = {s["type"]: s["id"] for s in admin.get(f"{ks}/services")["services"]}
    endpoints = admin.get(f"{ks}/endpoints")["endpoints"]
    have = {(e["service_id"], e["region_id"], e["interface"]) for e in endpoints}
    for name, kind, url in catalog:
        if kind not in services:
            services[kind] = admin.post(
                f"{ks}/services", {"service": {"name": name, "type": kind, "enabled": True}}
            )["service"]["id"]
        for region in (REGION, DR_REGION):
            for interface in ("public", "internal", "admin"):
                if (services[kind], region, interface) in have:
                    continue
                body = {
                    "endpoint": {
                        "service_id": services[kind],
                        "region_id": region,
                        "interface": interface,
                        "url": endpoint_url(region, url),
                        "enabled": True,
                    }
                }
                calls.append(partial(admin.post, f"{ks}/endpoints", body))
    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()
    layout.mark("identity")


def register_region_endpoints(layout: Layout, secret: dict[str, str]) -> None:
    """LOCAL2's endpoints through the region gateway: a cloud registered before LOCAL2 had
    ports of its own gets its endpoints moved on its next start (idempotent)."""
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    ks = "http://127.0.0.1:5000/v3"
    for endpoint in admin.get(f"{ks}/endpoints?region_id={DR_REGION}")["endpoints"]:
        wanted = endpoint_url(DR_REGION, endpoint["url"])
        if wanted != endpoint["url"]:
            admin.call("PATCH", f"{ks}/endpoints/{endpoint['id']}", {"endpoint": {"url": wanted}})


# Roles a research workspace grants (hubcore/workspaceroles.py) and the site's data officers.
WORKSPACE_ROLES = ("hub-ws-member", "hub-data-officer", "observer")
OFFICER_USER = "hub-data-officer"
# The airlock's two-person rule needs two distinct officers (the local site's hub:dataOfficers):
# user name -> its key in secrets.json. `env officer` is the first, `env officer 2` the second.
OFFICERS = {OFFICER_USER: "officer_password", f"{OFFICER_USER}-2": "officer2_password"}


def register_workspace_identity(layout: Layout, secret: dict[str, str]) -> None:
    """The roles workspaces grant and the local site's data officers (hub:dataOfficers).

    A step of its own, so that a cloud set up before workspaces existed gets them on its next
    start; its mark names the second officer, whom a cloud set up before the airlock lacks.
    """
    if layout.done("airlock-identity"):
        return
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    ks = "http://127.0.0.1:5000/v3"
    roles = {r["name"] for r in admin.get(f"{ks}/roles")["roles"]}
    for role in WORKSPACE_ROLES:
        if role not in roles:
            admin.post(f"{ks}/roles", {"role": {"name": role}})
    users = {u["name"] for u in admin.get(f"{ks}/users")["users"]}
    for number, (name, key) in enumerate(OFFICERS.items(), start=1):
        if name in users:
            continue
        admin.post(
            f"{ks}/users",
            {
                "user": {
                    "name": name,
                    "domain_id": "default",
                    "password": secret[key],
                    "description": f"the local site's data officer {number}: reviews airlock "
                    "requests and reads outboxes and release areas",
                }
            },
        )
    layout.mark("workspace-identity")
    layout.mark("airlock-identity")
