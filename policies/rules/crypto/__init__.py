"""Cryptography family: key sizes and algorithms per ANSSI, certificates with bounded validity.

Thresholds (RGS annexe B1 v2.03, the ANSSI "mécanismes cryptographiques" rules):
  - RSA: a 2048-bit modulus is accepted only for use that ends by 2030; the hub's keys and CA
    outlive that, so the floor is 3072 bits (RègleFact-1, use beyond 2030).
  - Elliptic curves: subgroup order of at least 256 bits, so P-256, P-384 and P-521; P-224
    (pulumi-tls's default curve!) is refused.
  - Symmetric keys: at least 128 bits; AES in XTS mode splits its key in two, so an XTS key
    must be at least 256 bits long to give AES-128 strength.
Ed25519 is not covered by RGS B1 (which predates it); it is refused unless the pack's config
says `allowEd25519: true`, so accepting it is a recorded decision, not a default.
The tls provider's own defaults are weak (RSA 2048, ECDSA P-224): an omitted size is judged as
that default, never as "not set".
"""

# isort: off
# The order the rules register in is the order the pack README lists them.
from policies.rules.crypto import (  # noqa: F401 - imported for their registrations
    key_strength,
    instance_key_pair,
    symmetric_key_strength,
    certificate_validity,
)
# isort: on
