"""A test session's own tenant on the local cloud: projects, a user, a clouds.yaml.

The local cloud's `make up` site lives in projects hub-local and hub-dr as user hub-admin. A
test session creates `hub-test-<id>` (its `local`) and `hub-test-<id>-dr` (its `local-dr`) and
a user `hub-test-<id>` with the same roles and quotas, and writes a clouds.yaml whose `local`
and `local-dr` entries point at them: hubctl, the engine's provider and openstacksdk then read
and write only there. Removing the tenant deletes whatever hub resource is left in its projects
(the census's own deleters), then the projects and the user.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud.setup.cinder import CINDER_QUOTA
from localcloud.setup.neutron import NEUTRON_QUOTA
from localcloud.setup.nova import NOVA_QUOTA

ROLES = ("admin", "member", "creator")
SITES = {"local": ("", "LOCAL1"), "local-dr": ("-dr", "LOCAL2")}


@dataclass
class Tenant:
    admin: Any
    name: str
    password: str
    user_id: str
    projects: dict[str, str]  # site -> project id
    clouds_yaml: Path
    auth_url: str
    env: dict[str, str] = field(default_factory=dict)

    def connect(self, site: str = "local") -> Any:
        from hubctl.cloud import site_cloud

        return site_cloud(site, SITES[site][1], self.env).connect()

    def remove(self) -> None:
        from hubctl import census
        from hubctl.cloud import project_of

        for site in SITES:
            try:
                cloud = project_of(self.connect(site))
                census.delete_orphans(cloud, cloud.hub_objects(site), lambda line: None)
            except Exception:  # the projects go anyway: nothing of them can reach the user's
                pass
        for project in self.projects.values():
            self.admin.identity.delete_project(project, ignore_missing=True)
        self.admin.identity.delete_user(self.user_id, ignore_missing=True)


# The data-plane cloud's signed image: its certificates, which a booting user's token fetches.
IMAGE_CERTIFICATES = ("hub-image-ca", "hub-image-signing")


def grant_image_certificates(admin: Any, user_id: str) -> None:
    """Let the session's user read the image's certificates (Barbican ACLs), as the cloud's own
    hub user may: Cinder and Nova verify the image's signature with the booting user's token.
    Nothing to do on an API-only cloud, whose image is not signed."""
    endpoint = admin.key_manager.get_endpoint().rstrip("/").removesuffix("/v1")
    for name in IMAGE_CERTIFICATES:
        listing = admin.session.get(f"{endpoint}/v1/secrets", params={"name": name}).json()
        for secret in listing.get("secrets", []):
            acl_url = f"{secret['secret_ref']}/acl"
            current = admin.session.get(acl_url).json().get("read", {}).get("users", [])
            admin.session.put(
                acl_url,
                json={"read": {"users": sorted({*current, user_id}), "project-access": True}},
            )


def create_tenant(admin_env: dict[str, str], folder: Path) -> Tenant:
    from hubctl.cloud import connect_from_env

    admin: Any = connect_from_env(admin_env)
    name = f"hub-test-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(18)
    projects = {
        site: admin.identity.create_project(
            name=f"{name}{suffix}", domain_id="default", description="hubctl test session"
        ).id
        for site, (suffix, _) in SITES.items()
    }
    user = admin.identity.create_user(
        name=name, password=password, domain_id="default", default_project_id=projects["local"]
    )
    roles = {r.name: r.id for r in admin.identity.roles()}
    for project in projects.values():
        for role in ROLES:
            admin.identity.assign_project_role_to_user(project, user.id, roles[role])
        # The same calls and quotas as the local cloud's own seed of hub-local and hub-dr.
        admin.compute.put(f"/os-quota-sets/{project}", json={"quota_set": NOVA_QUOTA})
        admin.block_storage.put(f"/os-quota-sets/{project}", json={"quota_set": CINDER_QUOTA})
        admin.network.put(f"/quotas/{project}", json={"quota": NEUTRON_QUOTA})
    auth_url = admin_env["OS_AUTH_URL"]
    clouds = {
        site: {
            "auth": {
                "auth_url": auth_url,
                "username": name,
                "password": password,
                "project_name": f"{name}{suffix}",
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "region_name": region,
            "interface": "public",
            "identity_api_version": 3,
        }
        for site, (suffix, region) in SITES.items()
    }
    grant_image_certificates(admin, user.id)
    path = folder / "clouds.yaml"
    path.write_text(json.dumps({"clouds": clouds}, indent=2))
    path.chmod(0o600)
    env = {
        "OS_AUTH_URL": auth_url,
        "OS_REGION_NAME": "LOCAL1",
        "OS_PROJECT_NAME": name,
        "OS_USERNAME": name,
        "OS_PASSWORD": password,
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
        "OS_INTERFACE": "public",
        "OS_CLIENT_CONFIG_FILE": str(path),
    }
    return Tenant(admin, name, password, user.id, projects, path, auth_url, env)
