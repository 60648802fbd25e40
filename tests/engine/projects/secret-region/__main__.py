"""An explicit OpenStack provider whose region comes from a secret config value.

Registering a provider configures no cloud, so `pulumi up` needs none; the state then holds the
region as the passphrase provider's ciphertext, which `hubctl check --state` must decrypt (with
the passphrase) or leave masked (without it).
"""

import pulumi
import pulumi_openstack as openstack

config = pulumi.Config()
provider = openstack.Provider(
    "secret-region",
    region=config.require_secret("region"),
    auth_url="http://127.0.0.1:5000/v3",
)
pulumi.export("provider", provider.urn)
