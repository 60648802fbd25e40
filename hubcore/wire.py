"""Pulumi's wire and state encodings, read as plain JSON with the paths of their secrets.

Offline synthesis (the mocked monitor's requests), a `pulumi stack export` file and the engine's
CrossGuard callbacks all carry resource properties in these encodings; one decoder serves the
three, so the policy pack judges the same values whichever way it runs.
"""

from __future__ import annotations

from typing import Any

from hubcore.values import SECRET_PLACEHOLDER

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_PLACEHOLDER = "[unknown]"


def provider_urn_of(reference: str | None) -> str | None:
    """A provider reference (`urn::id`, as the engine writes it) without its id suffix."""
    if not reference:
        return None
    return reference.rsplit("::", 1)[0] if reference.count("::") > 3 else reference


def path_is_secret(path: str, secret_paths: frozenset[str]) -> bool:
    """Whether `path` is secret or lies inside a secret object or list."""
    return path in secret_paths or any(
        path.startswith(prefix + ".") or path.startswith(prefix + "[") for prefix in secret_paths
    )


def decode_properties(value: Any, path: str = "", *, reveal: bool = False) -> tuple[Any, set[str]]:
    """Plain JSON from Pulumi's wire or state encoding, secrets masked, with their paths.

    Handles both the RPC form (secret and output-value signatures) and the `pulumi stack export`
    form (`ciphertext` or `plaintext` secrets), so offline synthesis and exported state are judged
    by the same rules. With `reveal` (the engine, which hands the pack decrypted values), a
    secret's value is kept where the encoding carries it, and its path is still recorded.
    """
    secrets: set[str] = set()
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            secrets.add(path)
            if reveal and "value" in value:
                inner, found = decode_properties(value["value"], path, reveal=reveal)
                return inner, secrets | found
            return SECRET_PLACEHOLDER, secrets
        if sig == OUTPUT_SIG:
            if value.get("secret"):
                secrets.add(path)
                if not reveal:
                    return SECRET_PLACEHOLDER, secrets
                if "value" not in value:  # a secret not computed yet (preview)
                    return UNKNOWN_PLACEHOLDER, secrets
                inner, found = decode_properties(value["value"], path, reveal=reveal)
                return inner, secrets | found
            if "value" not in value:
                return UNKNOWN_PLACEHOLDER, secrets
            return decode_properties(value["value"], path, reveal=reveal)
        if sig == RESOURCE_SIG:
            return value.get("urn"), secrets
        if sig is not None:  # assets and archives: their content does not matter to policies
            return {k: v for k, v in value.items() if k != SIG_KEY}, secrets
        result: dict[str, Any] = {}
        for key, item in value.items():
            decoded, found = decode_properties(
                item, f"{path}.{key}" if path else key, reveal=reveal
            )
            result[key] = decoded
            secrets |= found
        return result, secrets
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            decoded, found = decode_properties(item, f"{path}[{index}]", reveal=reveal)
            items.append(decoded)
            secrets |= found
        return items, secrets
    if value == UNKNOWN:
        return UNKNOWN_PLACEHOLDER, secrets
    return value, secrets
