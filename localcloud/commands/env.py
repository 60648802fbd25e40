"""`scripts/local-cloud env`: the OS_* exports and clouds.yaml of the cloud's identities."""

from __future__ import annotations

import json
import os

from localcloud.commands.common import say
from localcloud.layout import (
    ADMIN_PROJECT,
    ADMIN_USER,
    DR_PROJECT,
    DR_REGION,
    HUB_PROJECT,
    HUB_USER,
    KEYSTONE_URL,
    REGION,
    Layout,
    load_secrets,
)
from localcloud.setup import keystone as keystone_setup


def clouds(layout: Layout, secret: dict[str, str]) -> dict[str, dict[str, object]]:
    def entry(user: str, password: str, project: str, region: str) -> dict[str, object]:
        return {
            "auth": {
                "auth_url": KEYSTONE_URL,
                "username": user,
                "password": password,
                "project_name": project,
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "region_name": region,
            "interface": "public",
            "identity_api_version": 3,
        }

    return {
        "local": entry(HUB_USER, secret["hub_admin_password"], HUB_PROJECT, REGION),
        "local-dr": entry(HUB_USER, secret["hub_admin_password"], DR_PROJECT, DR_REGION),
        "local-admin": entry(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT, REGION),
    }


def write_clouds_yaml(layout: Layout, secret: dict[str, str]) -> None:
    # JSON is valid YAML, and Debian's python3 need not have PyYAML for it.
    text = json.dumps({"clouds": clouds(layout, secret)}, indent=2) + "\n"
    if not layout.clouds_yaml.exists() or layout.clouds_yaml.read_text() != text:
        fd = os.open(layout.clouds_yaml, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)


def cmd_env(layout: Layout, who: str, which: str = "1") -> int:
    """Print OS_* exports for the hub user (or `env dr` / `env admin` / `env officer [N]`).

    Reads the secrets as they are: only `start` adds the ones a newer version needs.
    """
    secret = load_secrets(layout, add_missing=False)
    layout.make_dirs()
    write_clouds_yaml(layout, secret)
    if who == "officer":
        # A data officer has no project of their own: they scope to a workspace's.
        officers = list(keystone_setup.OFFICERS.items())
        if not which.isdigit() or not 1 <= int(which) <= len(officers):
            say(f"usage: scripts/local-cloud env officer [1..{len(officers)}]")
            return 2
        user, password_key = officers[int(which) - 1]
        if password_key not in secret:
            say(f"{user} does not exist on this cloud yet: scripts/local-cloud start adds it")
            return 1
        for key, value in {
            "OS_AUTH_URL": KEYSTONE_URL,
            "OS_REGION_NAME": REGION,
            "OS_USERNAME": user,
            "OS_PASSWORD": secret[password_key],
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_IDENTITY_API_VERSION": "3",
        }.items():
            print(f"export {key}='{value}'")
        print("unset OS_CLOUD OS_PROJECT_ID OS_PROJECT_NAME OS_TENANT_NAME OS_TENANT_ID")
        return 0
    name = {"dr": "local-dr", "admin": "local-admin"}.get(who, "local")
    cloud = clouds(layout, secret)[name]
    auth = cloud["auth"]
    assert isinstance(auth, dict)
    values = {
        "OS_AUTH_URL": auth["auth_url"],
        "OS_REGION_NAME": cloud["region_name"],
        "OS_PROJECT_NAME": auth["project_name"],
        "OS_USERNAME": auth["username"],
        "OS_PASSWORD": auth["password"],
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
        "OS_INTERFACE": "public",
        "OS_CLIENT_CONFIG_FILE": str(layout.clouds_yaml),
    }
    # Whether hubctl up, workspace open and drill wait for the hosts' first boot: an API-only
    # cloud runs no guest, so nothing would ever finish booting.
    values["HUB_WAIT_HOSTS"] = "1" if layout.data_plane else "0"
    for key, value in values.items():
        print(f"export {key}='{value}'")
    print("unset OS_CLOUD OS_PROJECT_ID OS_TENANT_NAME OS_TENANT_ID")
    return 0
