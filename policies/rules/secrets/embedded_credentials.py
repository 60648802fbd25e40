"""secrets-embedded-credentials: no string of any input embeds a credential."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policies.model import Context, Outcome, Reading, ResourceView, failed, is_known, passed
from policies.registry import Severity, rule
from policies.rules.common import cannot_judge, describe, strings
from policies.rules.secrets.common import walk
from policies.userdata import embedded_credentials


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
