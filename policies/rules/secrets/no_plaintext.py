"""secrets-no-plaintext: secret material (passwords, tokens, private keys, Barbican payloads)
only as Pulumi secrets."""

from __future__ import annotations

import re

from hubcore.resource_types import SECRET
from policies.model import Context, Outcome, Reading, ResourceView, failed, is_known, passed
from policies.registry import Severity, rule
from policies.rules.common import cannot_judge, describe
from policies.rules.secrets.common import walk

# Inputs that hold secret material by type (camelCase, as the engine sees them). A "*" type
# applies everywhere: these names never hold anything else.
SECRET_INPUTS: dict[str, frozenset[str]] = {
    "*": frozenset(
        {
            "password",
            "adminPass",
            "token",
            "applicationCredentialSecret",
            "privateKeyPem",
            "caPrivateKeyPem",
            "privateKey",
            "privateKeyOpenssh",
            "containerSyncKey",
            "secret",
        }
    ),
    SECRET: frozenset({"payload"}),
}
# Barbican secret types whose payload is public by nature.
PUBLIC_SECRET_TYPES = frozenset({"certificate", "public"})
PEM_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")


def unreadable_secrets(resource: ResourceView, context: Context) -> list[str]:
    """Secret-bearing inputs unknown from outside the program and not marked secret: once
    known they may well be in clear, so they fail closed (an output the stack computes is
    judged when known)."""
    names = SECRET_INPUTS["*"] | SECRET_INPUTS.get(resource.type, frozenset())
    return [
        name
        for name in sorted(names)
        if context.reading(resource, name) is Reading.UNKNOWN and not resource.is_secret(name)
    ]


def plaintext_secrets(resource: ResourceView) -> list[str]:
    """Input paths that carry secret material but are not Pulumi secrets."""
    names = SECRET_INPUTS["*"] | SECRET_INPUTS.get(resource.type, frozenset())
    if str(resource.get("secretType") or "").lower() in PUBLIC_SECRET_TYPES:
        names = names - {"payload"}
    found = []
    for path, key, value in walk(resource.inputs):
        if not is_known(value) or value in ("", None) or resource.is_secret(path):
            continue
        if key in names or (isinstance(value, str) and PEM_PRIVATE_KEY.search(value)):
            found.append(path)
    return found


@rule(
    "secrets-no-plaintext",
    description="Passwords, tokens, private keys and Barbican payloads are Pulumi secrets.",
    remediation="Wrap the value in pulumi.Output.secret() or set it with `config set --secret`.",
    severity=Severity.CRITICAL,
    requirements=("SNC-10", "HDS-ISO27001-A8"),
    enforces="passwords, tokens, private keys, Barbican payloads only as Pulumi secrets",
    applies_to=("pulumi:providers:*", "openstack:*", "tls:*"),
)
def secrets_no_plaintext(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: every secret-bearing input is a secret (or empty, or public: a certificate).
    Fails: one per input that carries secret material in clear, or that is unknown from
    outside the program without being marked secret."""
    unknown = [
        cannot_judge(resource, name, Reading.UNKNOWN, "whether it is kept secret")
        for name in unreadable_secrets(resource, context)
    ]
    return unknown + [
        failed(
            f"{describe(resource)} has secret material in clear in input {path!r}: it would be "
            "written unencrypted to the state and shown in previews. Make it a Pulumi secret "
            "(pulumi.Output.secret, or `pulumi config set --secret`).",
            config_keys=(f"openstack:{path}",) if resource.is_provider else (),
        )
        for path in plaintext_secrets(resource)
    ] or [passed()]
