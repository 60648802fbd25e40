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

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from hubcore.resource_types import INSTANCE, SECRET
from policies.model import Context, Outcome, Reading, ResourceView, failed, is_known, passed
from policies.registry import Severity, rule
from policies.rules.common import cannot_judge, describe, strings
from policies.userdata import embedded_credentials

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


def walk(value: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, key name, value) for every leaf of an input tree."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(item, Mapping | list):
                yield from walk(item, child)
            else:
                yield child, str(key), item
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


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


@rule(
    "secrets-no-admin-password",
    description="Instances get no admin password: access is by SSH key through the bastion.",
    remediation="Remove admin_pass; give operators SSH keys through the hardening user data.",
    severity=Severity.HIGH,
    requirements=("ANSSI-BP-028", "SNC-10"),
    enforces="no `admin_pass` on instances",
    applies_to=(INSTANCE,),
)
def secrets_no_admin_password(resource: ResourceView, context: Context) -> Outcome:
    """Passes: no admin_pass. Fails: any admin_pass, secret or not (a password login is a
    second way in that bypasses the bastion and its audit)."""
    if resource.get("adminPass") in (None, ""):
        return passed()
    return failed(
        f"{describe(resource)} sets admin_pass: a password login bypasses the bastion and "
        "its audit trail (ANSSI BP-028). Remove it; operators log in with SSH keys.",
    )


def _texts(inputs: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every string of the inputs, and `key=value` for each string inside a nested mapping
    (metadata {"password": "x"} says what a `password=x` tag says)."""
    yield from strings(dict(inputs))
    for top, value in inputs.items():
        for path, key, leaf in walk(value, str(top)):
            if "." in path and isinstance(leaf, str) and is_known(leaf) and leaf:
                yield path, f"{key}={leaf}"


# Inputs whose content the cloud shows to anyone who can read the resource, Pulumi secret or not.
EXPOSED_INPUTS = frozenset({"tags", "metadata", "name", "description"})


@rule(
    "secrets-embedded-credentials",
    description="No string embeds a credential: user data, metadata, tags, URLs, lists included.",
    remediation="Pass credentials through Barbican or OS_* variables, never inside strings.",
    severity=Severity.CRITICAL,
    requirements=("SNC-10", "HDS-ISO27001-A8"),
    enforces=(
        "no string embeds a credential: user data (base64, gzip, MIME parts), metadata, tags, list "
        "items, URLs"
    ),
    applies_to=("*",),
)
def secrets_embedded_credentials(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: no string of any input (keys of mappings and list items included) carries a
    credential. User data is read as cloud-init reads it: decoded from base64, gunzipped, split
    into its MIME parts.
    Fails: one per input path with a password or secret assignment (`password: x`,
    `OS_PASSWORD=x`, a `password=x` tag), a PEM private key, a known token format, or a URL
    with credentials; in clear, or in tags and metadata whatever their Pulumi marking (the
    cloud's API shows them to every project member). The credential itself is never printed."""
    findings: list[Outcome] = []
    for prop in ("tags", "metadata", "userData"):
        reading = context.reading(resource, prop)
        if prop == "userData" and reading is Reading.SECRET:
            continue  # a Pulumi secret: encrypted in the state, served to the instance only
        if reading is Reading.SECRET or reading is Reading.UNKNOWN:
            findings.append(cannot_judge(resource, prop, reading, "whether it embeds credentials"))
    for path, text in _texts(resource.inputs):
        top = path.split(".")[0].split("[")[0]
        if resource.is_secret(path.removesuffix("<key>")) and top not in EXPOSED_INPUTS:
            continue
        kinds = embedded_credentials(text, in_user_data=top == "userData")
        if kinds:
            findings.append(
                failed(
                    f"{describe(resource)}: input {path.removesuffix('<key>')!r} embeds "
                    f"{' and '.join(kinds)}; it would be stored in the state, shown in previews "
                    "and served by the cloud's API. Keep credentials in Barbican or OS_* "
                    "variables and reference them instead.",
                )
            )
    return findings or [passed()]
