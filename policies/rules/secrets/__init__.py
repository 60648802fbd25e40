"""Secrets family: secret material only ever travels as a Pulumi secret.

A value that is not a Pulumi secret is written in clear into the state file and shown in
previews. Inputs that carry secret material (Barbican payloads, passwords, tokens, private keys)
must be secrets; anything that looks like a PEM private key must be one wherever it appears.
Every string is scanned, inside lists and mappings too, for credentials embedded in it (a
password assignment in user data, a `password=...` tag, a token, credentials in a URL): user
data is read as cloud-init reads it (base64, gzip, MIME parts), and tags and metadata are
exposed by the cloud's API to every project member whatever Pulumi marks secret.
Instances get no admin password at all: access is by SSH key through the bastion.
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.secrets import (  # noqa: F401 - imported for their registrations
    no_plaintext,
    no_admin_password,
    embedded_credentials,
)
# isort: on
