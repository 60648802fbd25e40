"""A stack that the sovereignty pack must refuse: an RSA 2048 key and a ten-year certificate.

The engine route (`pulumi preview --policy-pack policies`) and `hubctl check` are compared on it.
"""

import pulumi_tls as tls

key = tls.PrivateKey("weak-key", algorithm="RSA", rsa_bits=2048)

tls.SelfSignedCert(
    "long-lived-cert",
    private_key_pem=key.private_key_pem,
    subject=tls.SelfSignedCertSubjectArgs(common_name="weak.example.test"),
    validity_period_hours=24 * 365 * 10,
    allowed_uses=["digital_signature", "server_auth"],
)
