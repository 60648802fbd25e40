"""The cloud a site runs on, as hubctl reaches it: OpenStack today (hubctl.cloud.openstack).

A site's credentials and region (`SiteCloud`, `site_cloud`) and emptying a container before a
destroy (`empty_container`) come from its implementation.
"""

from hubctl.cloud.openstack.credentials import SiteCloud, empty_container, site_cloud

__all__ = ["SiteCloud", "empty_container", "site_cloud"]
