"""Encryption family: data at rest is encrypted and object storage is never public.

Volumes must use a LUKS volume type that the catalogue lists for their region (the type name
alone proves nothing: a region without LUKS support may name a type anything), and so must the
volumes Nova creates for an instance's block devices; a disk on the hypervisor (a local block
device, an image booted without a volume) is encrypted by no volume type at all. Swift
containers must carry no ACL that opens reading, listing or writing beyond the project, read the
way Swift reads it (policies/swift.py).
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.encryption import (  # noqa: F401 - imported for their registrations
    volume_luks,
    instance_block_device,
    container_private,
    volume_attachment,
)
# isort: on
