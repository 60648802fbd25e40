"""A stack that needs no cloud: an ECDSA P-256 key and a self-signed CA certificate for it.

It exercises the Python language host and the TLS plugin through a real `pulumi up`, and gives
a policy pack resources to look at.
"""

import pulumi
import pulumi_tls as tls

COMMON_NAME = "sovereign-hub engine test CA"

key = tls.PrivateKey(
    "engine-test-ca-key",
    algorithm="ECDSA",
    ecdsa_curve="P256",
)

certificate = tls.SelfSignedCert(
    "engine-test-ca",
    private_key_pem=key.private_key_pem,
    subject=tls.SelfSignedCertSubjectArgs(
        common_name=COMMON_NAME,
        organization="Sovereign Hub",
        country="DE",
    ),
    validity_period_hours=24,
    is_ca_certificate=True,
    allowed_uses=["cert_signing", "crl_signing", "digital_signature"],
)

pulumi.export("key_algorithm", key.algorithm)
pulumi.export("cert_pem", certificate.cert_pem)
pulumi.export("common_name", COMMON_NAME)
