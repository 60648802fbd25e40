"""Credentials and openstacksdk connections for a site, pinned to one region.

A site's credentials come from the clouds.yaml entry named after the site when there is one
(the local cloud has `local` and `local-dr`: two projects of one Keystone), otherwise from the
OS_* variables of the caller. Either way the region is the one the site's config names, so a
connection made for the DR region cannot reach the primary region's endpoints by accident.
Nothing here prints or records a secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubcore.strict_yaml import read_yaml
from hubcore.values import ConfigError
from hubctl.cloud.api import CloudAuthError, Connection

if TYPE_CHECKING:
    from hubctl.cloud.openstack.project import OpenStackProject


@dataclass(frozen=True)
class SiteCloud:
    """How to reach a site's project in one region."""

    site: str
    region: str
    project: str | None
    source: str  # "clouds.yaml entry <name>" or "OS_* environment"
    auth: dict[str, str]
    cloud_name: str | None = None  # the clouds.yaml entry, when the site has one

    def env(self) -> dict[str, str]:
        """OS_* variables for the engine's OpenStack provider (the stacks' credentials)."""
        values = {
            "OS_AUTH_URL": self.auth.get("auth_url", ""),
            "OS_USERNAME": self.auth.get("username", ""),
            "OS_PASSWORD": self.auth.get("password", ""),
            "OS_PROJECT_NAME": self.auth.get("project_name", ""),
            "OS_USER_DOMAIN_NAME": self.auth.get("user_domain_name", "Default"),
            "OS_PROJECT_DOMAIN_NAME": self.auth.get("project_domain_name", "Default"),
            "OS_REGION_NAME": self.region,
        }
        return {k: v for k, v in values.items() if v}

    def connect(self) -> Connection:
        """A connection with exactly these credentials and region.

        Connection() without a cloud name reads neither clouds.yaml nor OS_* variables, so
        nothing of the caller's environment (its project, its region) can creep in, and a
        clouds.yaml entry's own region does not forbid reading its replicas in another one.
        """
        from openstack.connection import Connection

        return Connection(
            auth=dict(self.auth),
            auth_type="password",
            region_name=self.region,
            identity_api_version="3",
            interface="public",
        )

    def project_api(self) -> OpenStackProject:
        """The site's project in this region, as hubctl's cloud-neutral code asks it."""
        from hubctl.cloud.openstack.project import OpenStackProject

        return OpenStackProject(self.connect())

    def in_region(self, region: str) -> SiteCloud:
        """The same project and credentials in another region (where its replicas live)."""
        return SiteCloud(self.site, region, self.project, self.source, self.auth, self.cloud_name)

    def describe(self) -> str:
        return f"project {self.project or '?'} in {self.region} ({self.source})"


def _clouds_file(environ: dict[str, str]) -> Path | None:
    name = environ.get("OS_CLIENT_CONFIG_FILE")
    return Path(name) if name and Path(name).is_file() else None


def site_cloud(site: str, region: str, environ: dict[str, str] | None = None) -> SiteCloud:
    environ = dict(os.environ if environ is None else environ)
    path = _clouds_file(environ)
    if path is not None:
        try:  # the bounded reader: a hostile clouds.yaml cannot hang or blow up hubctl
            document = read_yaml(path, "clouds.yaml") or {}
        except ConfigError:
            document = {}
        clouds = (document.get("clouds") if isinstance(document, dict) else None) or {}
        entry = clouds.get(site)
        if isinstance(entry, dict) and isinstance(entry.get("auth"), dict):
            auth = {str(k): str(v) for k, v in entry["auth"].items()}
            project = auth.get("project_name")
            return SiteCloud(site, region, project, f"clouds.yaml {site}", auth, site)
    auth = {
        key: environ[name]
        for key, name in (
            ("auth_url", "OS_AUTH_URL"),
            ("username", "OS_USERNAME"),
            ("password", "OS_PASSWORD"),
            ("project_name", "OS_PROJECT_NAME"),
            ("user_domain_name", "OS_USER_DOMAIN_NAME"),
            ("project_domain_name", "OS_PROJECT_DOMAIN_NAME"),
        )
        if environ.get(name)
    }
    return SiteCloud(site, region, auth.get("project_name"), "OS_* environment", auth)


def named_project(cloud: str | None, region: str) -> OpenStackProject:
    """The project the cloud's own tools would reach: the clouds.yaml entry `cloud`, else the
    OS_* variables, as the stacks' provider finds its credentials (openstacksdk's own search)."""
    import openstack

    from hubctl.cloud.openstack.project import OpenStackProject

    return OpenStackProject(openstack.connect(cloud=cloud, region_name=region))


def empty_container(conn: Any, container: str) -> int:
    """Delete every object and every old version of a container, so a destroy can remove it
    (Swift refuses to delete a container that holds any: 409). The number deleted."""
    import openstack.exceptions

    deleted = 0
    try:
        listing = conn.object_store.get(f"/{container}", params={"format": "json", "versions": ""})
    except openstack.exceptions.NotFoundException:
        return 0
    if listing.status_code == 404:
        return 0
    for item in listing.json():
        params = {"version-id": item["version_id"]} if item.get("version_id") else {}
        conn.object_store.delete(f"/{container}/{item['name']}", params=params)
        deleted += 1
    return deleted


def connect_from_env(env: Mapping[str, str]) -> Connection:
    """An openstacksdk connection from OS_* variables (as `scripts/local-cloud env` prints)."""
    import openstack

    # Only the given variables: with the caller's own OS_* in os.environ, openstacksdk would
    # otherwise also load them as a cloud and refuse a region that cloud does not list.
    return openstack.connect(
        load_envvars=False,
        load_yaml_config=False,
        auth_url=env["OS_AUTH_URL"],
        project_name=env.get("OS_PROJECT_NAME"),
        username=env.get("OS_USERNAME"),
        password=env.get("OS_PASSWORD"),
        user_domain_name=env.get("OS_USER_DOMAIN_NAME", "Default"),
        project_domain_name=env.get("OS_PROJECT_DOMAIN_NAME", "Default"),
        region_name=env.get("OS_REGION_NAME"),
        identity_api_version="3",
    )


def cloud_entries() -> list[str]:
    """The clouds.yaml entries the caller can name (none when clouds.yaml is unreadable:
    openstacksdk says why when connecting)."""
    from openstack import config as os_config

    try:
        names = os_config.OpenStackConfig().get_cloud_names()
    except Exception:  # an unreadable clouds.yaml: openstacksdk says so when connecting
        return []
    return [str(n) for n in names if n not in ("envvars", "defaults")]


def connect_named(cloud: str | None, region: str, timeout: float) -> Connection:
    """A connection with the clouds.yaml entry `cloud`, else the OS_* variables (openstacksdk's
    own search, so endpoint overrides and CA settings of the entry apply), in `region`;
    `timeout` bounds every request. CloudAuthError when the SDK refuses them."""
    import openstack
    from openstack import exceptions as sdk

    try:
        if cloud is not None:
            return openstack.connect(cloud=cloud, region_name=region, api_timeout=timeout)
        return openstack.connect(region_name=region, api_timeout=timeout)
    except (sdk.ConfigException, sdk.SDKException) as error:
        raise CloudAuthError(str(error)) from error


def connect_like(
    base: Any, region: str, timeout: float, project_id: str | None = None
) -> Connection:
    """The credentials of connection `base` in another region, or another project (a replica
    region; a workspace's project)."""
    import openstack

    auth = dict(base.config.config.get("auth") or {})
    if project_id is not None:
        for key in ("project_name", "project_id", "tenant_name", "tenant_id"):
            auth.pop(key, None)
        auth["project_id"] = project_id
    # The entry's endpoint overrides follow the credentials (a proxy, a private endpoint).
    overrides = {
        key: value
        for key, value in base.config.config.items()
        if key.endswith("_endpoint_override")
    }
    return openstack.connect(
        auth=auth,
        auth_type=base.config.config.get("auth_type", "password"),
        region_name=region,
        api_timeout=timeout,
        interface=base.config.config.get("interface", "public"),
        identity_api_version="3",
        load_yaml_config=False,
        load_envvars=False,
        **overrides,
    )


def token_of(conn: Any) -> Any:
    """The connection's token (keystoneauth's access info): who it is, in which project, with
    which roles. CloudAuthError when the SDK refuses the credentials; keystoneauth's own
    failures (unreachable, 401, timeout) pass through."""
    from openstack import exceptions as sdk

    try:
        return conn.session.auth.get_access(conn.session)
    except sdk.SDKException as error:
        raise CloudAuthError(str(error)) from error


def auth_url_of(conn: Any) -> str:
    """The identity endpoint the connection's credentials authenticate against ('' if none)."""
    return str(conn.config.config.get("auth", {}).get("auth_url", ""))


def catalogue_endpoints(conn: Any, region: str) -> list[tuple[str, str]]:
    """The public endpoints the connection's token catalogue lists in `region`, as (service
    type, URL). Authenticates when the connection has no token yet, as token_of does."""
    catalog = token_of(conn).service_catalog
    return [
        (str(entry.get("type", "?")), str(endpoint.get("url", "")))
        for entry in catalog.catalog
        for endpoint in entry.get("endpoints", [])
        if endpoint.get("region") == region and endpoint.get("interface") == "public"
    ]


def region_endpoint(conn: Any, service: str, region: str) -> str | None:
    """The public URL of `service` (a catalogue type) in `region`, as the connection's session
    resolves it; None when the catalogue has none. Its failures pass through."""
    found = conn.session.get_endpoint(service_type=service, interface="public", region_name=region)
    return str(found) if found else None


def service_endpoint(conn: Any, service: str) -> str:
    """The URL of `service` (a catalogue type: "object-store") in the connection's region; ''
    when the region has none, the client has no proxy for it or the catalogue does not answer."""
    try:
        proxy = getattr(conn, service.replace("-", "_"), None)
        return str(proxy.get_endpoint() or "") if proxy is not None else ""
    except Exception:  # absent or not answering: whoever reads the service reports it
        return ""


def endpoint_filter(conn: Any, service_type: str) -> dict[str, str]:
    """A raw request's endpoint filter: the service's public endpoint in the connection's own
    region. A connection made for the DR region must never reach the same service in the
    primary region."""
    found = {"service_type": service_type, "interface": "public"}
    region = getattr(conn.config, "region_name", None)
    return {**found, "region_name": str(region)} if region else found
