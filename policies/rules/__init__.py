"""Rule families, one module each; importing this package registers every rule."""

from policies.rules import (  # noqa: F401 - imported for their registrations
    cryptography,
    encryption,
    endpoints,
    exposure,
    qualification,
    region,
    secrets,
    stack,
    workspace,
)
