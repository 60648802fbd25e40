"""Explicit providers: region and endpoint from the validated config, credentials never.

Credentials come from OS_* variables or the clouds.yaml entry named by openstack:cloud; a
private identity endpoint (prod's) stays a Pulumi secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hubcore.catalogue import load_catalogue
from infra.config import HubConfig

if TYPE_CHECKING:  # the SDK is imported by the program; reading REGION_KEY_PROVIDERS needs none
    import pulumi
    import pulumi_openstack as openstack

# The OpenStack provider that each region key of the config configures.
REGION_KEY_PROVIDERS = {"openstack:region": "openstack", "hub:replicaRegion": "openstack-replica"}


def make_provider(
    config: HubConfig,
    name: str,
    region: str,
    *,
    tenant_name: pulumi.Input[str] | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> openstack.Provider:
    """An explicit provider: region and endpoint from config; credentials from OS_*/clouds.yaml.

    `tenant_name` scopes it to another project than the credentials' own (a workspace's).
    """
    import pulumi
    import pulumi_openstack as openstack

    auth_url: pulumi.Input[str] | None = config.auth_url
    if config.auth_url is not None and config.is_secret("openstack:authUrl"):
        auth_url = pulumi.Output.secret(config.auth_url)
    elif auth_url is None and config.cloud is None:
        auth_url = load_catalogue().lookup(region).identity_endpoint  # type: ignore[union-attr]
    return openstack.Provider(
        name,
        region=region,
        auth_url=auth_url,
        cloud=config.cloud,
        insecure=config.insecure or None,
        endpoint_overrides=config.endpoint_overrides,
        tenant_name=tenant_name,
        opts=opts,
    )


def replica_provider(config: HubConfig) -> openstack.Provider | None:
    """The provider of the site's replica region, when it has one."""
    if not config.replica_region:
        return None
    return make_provider(config, REGION_KEY_PROVIDERS["hub:replicaRegion"], config.replica_region)
