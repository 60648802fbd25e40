"""KMS layer: per-dataset data keys in Barbican and the site's internal TLS CA.

Dataset keys are Barbican *orders*: Barbican generates the AES key itself, so the key material
never passes through Pulumi or its state. The internal CA is made with pulumi-tls (key sizes and
curves per ANSSI's RGS annex B1) and its material is stored in Barbican, with an expiration on
every secret so that rotation shows up in reviews before it bites.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
import pulumi_openstack as openstack
import pulumi_tls as tls

from hubcore.stacks import Layer
from infra.config import HubConfig, TlsSettings
from infra.layers.base import LayerContext, LayerExports, Upstream

# Services that get a certificate from the internal CA, with the names they answer to.
SERVICES: tuple[str, ...] = ("ingress", "app", "data")


class KmsExports(LayerExports):
    layer: ClassVar[Layer] = Layer.KMS

    dataset_key_refs: dict[str, str]
    ca_cert_pem: str
    ca_cert_ref: str
    service_container_refs: dict[str, str]

    @classmethod
    def placeholder(cls, config: HubConfig) -> dict[str, Any]:
        base = f"https://barbican.{config.site}.invalid/v1"
        return {
            "dataset_key_refs": {d: f"{base}/secrets/{d}-key" for d in config.datasets},
            "ca_cert_pem": "-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----\n",
            "ca_cert_ref": f"{base}/secrets/ca-cert",
            "service_container_refs": {s: f"{base}/containers/{s}" for s in SERVICES},
        }


def whole_seconds(timestamp: str) -> str:
    """An RFC 3339 time without its fraction of a second, as Barbican stores expirations.

    pulumi-tls reports validity ends with nanoseconds; Barbican keeps whole seconds, so passing
    the fraction through would make every `up` see a difference and replace every secret.
    """
    stamp, _, fraction = timestamp.partition(".")
    if not fraction:
        return timestamp
    zone = fraction.lstrip("0123456789")
    return stamp + (zone or "Z")


def _private_key(
    name: str, settings: TlsSettings, context: LayerContext, parent: pulumi.Resource
) -> tls.PrivateKey:
    return tls.PrivateKey(
        name,
        algorithm=settings.algorithm,
        ecdsa_curve=settings.ecdsa_curve if settings.algorithm == "ECDSA" else None,
        rsa_bits=settings.rsa_bits if settings.algorithm == "RSA" else None,
        opts=context.tls_opts(parent),
    )


class KmsLayer(pulumi.ComponentResource):
    def __init__(
        self,
        context: LayerContext,
        upstream: Upstream | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        config = context.config
        super().__init__("hub:layers:Kms", context.name("kms"), None, opts)
        settings = config.tls
        domain = f"{config.site}.hub.internal"

        self.dataset_keys = {
            dataset: openstack.keymanager.OrderV1(
                context.name("key", dataset),
                type="key",
                meta={
                    "algorithm": "aes",
                    "bit_length": 256,
                    "mode": "xts",
                    "name": context.name("key", dataset),
                },
                opts=context.data_opts(self),
            )
            for dataset in config.datasets
        }

        ca_key = _private_key(context.name("ca-key"), settings, context, self)
        self.ca_cert = tls.SelfSignedCert(
            context.name("ca"),
            private_key_pem=ca_key.private_key_pem,
            is_ca_certificate=True,
            max_path_length=0,
            subject={
                "common_name": f"Sovereign Hub {config.site} internal CA",
                "organization": "Sovereign Hub",
                "country": config.region.country,
            },
            validity_period_hours=settings.ca_validity_hours,
            early_renewal_hours=settings.early_renewal_hours,
            allowed_uses=["cert_signing", "crl_signing", "digital_signature"],
            set_subject_key_id=True,
            opts=context.tls_opts(self, protect=config.protect),
        )
        self.ca_cert_secret = self._store_certificate(
            "ca-cert", self.ca_cert.cert_pem, self.ca_cert.validity_end_time, context
        )
        self.ca_key_secret = self._store_private_key(
            "ca-key", ca_key.private_key_pem, self.ca_cert.validity_end_time, context
        )

        self.service_containers: dict[str, openstack.keymanager.ContainerV1] = {}
        for service in SERVICES:
            key = _private_key(context.name(service, "key"), settings, context, self)
            request = tls.CertRequest(
                context.name(service, "csr"),
                private_key_pem=key.private_key_pem,
                dns_names=[f"{service}.{domain}"],
                subject={"common_name": f"{service}.{domain}", "organization": "Sovereign Hub"},
                opts=context.tls_opts(self),
            )
            cert = tls.LocallySignedCert(
                context.name(service, "cert"),
                cert_request_pem=request.cert_request_pem,
                ca_private_key_pem=ca_key.private_key_pem,
                ca_cert_pem=self.ca_cert.cert_pem,
                validity_period_hours=settings.cert_validity_hours,
                early_renewal_hours=settings.early_renewal_hours,
                allowed_uses=["digital_signature", "key_encipherment", "server_auth"],
                opts=context.tls_opts(self),
            )
            cert_secret = self._store_certificate(
                f"{service}-cert", cert.cert_pem, cert.validity_end_time, context
            )
            key_secret = self._store_private_key(
                f"{service}-key", key.private_key_pem, cert.validity_end_time, context
            )
            self.service_containers[service] = openstack.keymanager.ContainerV1(
                context.name(service, "tls"),
                name=context.name(service, "tls"),
                type="certificate",
                secret_refs=[
                    {"name": "certificate", "secret_ref": cert_secret.secret_ref},
                    {"name": "private_key", "secret_ref": key_secret.secret_ref},
                ],
                opts=context.opts(self),
            )

        self.exports = pulumi.Output.all(
            dataset_key_refs={d: o.secret_ref for d, o in self.dataset_keys.items()},
            ca_cert_pem=self.ca_cert.cert_pem,
            ca_cert_ref=self.ca_cert_secret.secret_ref,
            service_container_refs={s: c.container_ref for s, c in self.service_containers.items()},
        )
        self.register_outputs({"exports": self.exports})

    def _store_certificate(
        self,
        name: str,
        pem: pulumi.Output[str],
        expires: pulumi.Output[str],
        context: LayerContext,
    ) -> openstack.keymanager.SecretV1:
        """A certificate: public material, but kept next to its key for the services."""
        return self._store(name, "certificate", pem, expires, context, context.opts(self))

    def _store_private_key(
        self,
        name: str,
        pem: pulumi.Output[str],
        expires: pulumi.Output[str],
        context: LayerContext,
    ) -> openstack.keymanager.SecretV1:
        """A private key: a Pulumi secret end to end, and protected like data."""
        return self._store(
            name,
            "private",
            pem.apply(pulumi.Output.secret),
            expires,
            context,
            context.data_opts(self),
        )

    def _store(
        self,
        name: str,
        secret_type: str,
        payload: pulumi.Output[str],
        expires: pulumi.Output[str],
        context: LayerContext,
        opts: pulumi.ResourceOptions,
    ) -> openstack.keymanager.SecretV1:
        return openstack.keymanager.SecretV1(
            context.name(name),
            name=context.name(name),
            secret_type=secret_type,
            payload=payload,
            payload_content_type="text/plain",
            expiration=expires.apply(whole_seconds),
            metadata=context.metadata_for(self, openstack.keymanager.SecretV1, context.name(name)),
            opts=opts,
        )
