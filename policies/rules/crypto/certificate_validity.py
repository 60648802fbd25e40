"""crypto-certificate-validity: Certificates from any source carry a bounded validity: CA <= 3
years, leaf <= 1."""

from __future__ import annotations

from hubcore.resource_types import SECRET, TLS_LOCALLY_SIGNED_CERT
from policies.keymaterial import Found, material
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import RuleSettings, Severity, rule
from policies.rules.common import cannot_judge, describe, truth
from policies.rules.crypto.common import CERTIFICATES, as_int, texts_of


class ValiditySettings(RuleSettings):
    """crypto-certificate-validity: the longest validity of a CA and of a leaf, in hours."""

    max_ca_validity_hours: int = 26280
    max_leaf_validity_hours: int = 8760


def _certificates(resource: ResourceView, context: Context) -> list[tuple[str, Found]]:
    """PEM certificates a Barbican secret stores or a pulumi-tls input carries (readable)."""
    props = {SECRET: ("payload",), TLS_LOCALLY_SIGNED_CERT: ("caCertPem",)}.get(resource.type, ())
    found: list[tuple[str, Found]] = []
    for prop in props:
        if context.reading(resource, prop) is not Reading.VALUE:
            continue
        for text in texts_of(resource, prop):
            found.extend((prop, item) for item in material(text) if item.certificate is not None)
    return found


def _within(hours: float, is_ca: bool, settings: ValiditySettings) -> tuple[bool, int]:
    bound = settings.max_ca_validity_hours if is_ca else settings.max_leaf_validity_hours
    return 0 < hours <= bound, bound


@rule(
    "crypto-certificate-validity",
    description="Certificates from any source carry a bounded validity: CA <= 3 years, leaf <= 1.",
    remediation="Lower validity_period_hours (hub:tls caValidityHours / certValidityHours).",
    severity=Severity.MEDIUM,
    requirements=("ANSSI-PA-079",),
    enforces=(
        "CA <= 3 years, leaf <= 1 year (settings `maxCaValidityHours`, `maxLeafValidityHours`), "
        "for pulumi-tls certificates (`is_ca_certificate` read as the provider parses it) and PEM "
        "certificates stored in Barbican or given as a CA"
    ),
    applies_to=(*CERTIFICATES, SECRET),
    settings=ValiditySettings(),
)
def crypto_certificate_validity(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: a pulumi-tls certificate's validity_period_hours, and the validity of any PEM
    certificate stored in Barbican or given as a CA, within the CA or leaf bound. Whether a
    certificate is a CA is read as the provider reads it ("false" is false).
    Fails: longer, no readable validity, an is_ca_certificate the provider cannot parse."""
    outcomes: list[Outcome] = []
    for prop, found in _certificates(resource, context):
        assert found.certificate is not None
        ok, bound = _within(
            found.certificate.hours, found.certificate.is_ca, context.settings(ValiditySettings)
        )
        kind = "CA certificate" if found.certificate.is_ca else "certificate"
        outcomes.append(
            passed()
            if ok
            else failed(
                f"{describe(resource)}: {prop} holds a {kind} valid for "
                f"{found.certificate.hours:.0f} hours; the bound is {bound} hours so that keys "
                "are renewed (ANSSI-PA-079).",
            )
        )
    if resource.type == SECRET:
        return outcomes or [not_applicable("no readable certificate")]
    for prop in ("isCaCertificate", "validityPeriodHours"):
        reading = context.reading(resource, prop)
        if reading is Reading.COMPUTED:
            return [*outcomes, not_applicable(f"{prop} computed by resources of the stack")]
        if not reading.readable:
            return [*outcomes, cannot_judge(resource, prop, reading, "the certificate's validity")]
    is_ca = truth(resource.get("isCaCertificate"))
    if is_ca is None:
        return [
            *outcomes,
            failed(
                f"{describe(resource)}: is_ca_certificate {resource.get('isCaCertificate')!r} "
                "is not a boolean the provider reads; the bound that applies cannot be chosen.",
            ),
        ]
    hours = as_int(resource.get("validityPeriodHours"), -1)
    ok, bound = _within(
        float(hours if hours is not None else -1), is_ca, context.settings(ValiditySettings)
    )
    if ok:
        return [*outcomes, passed()]
    kind = "CA certificate" if is_ca else "certificate"
    shown = "no validity" if hours in (None, -1) else f"a validity of {hours} hours"
    return [
        *outcomes,
        failed(
            f"{describe(resource)}: {kind} with {shown}; the bound is {bound} hours "
            f"(about {bound / 8760:.3g} year{'' if bound <= 8760 else 's'}) so that keys are "
            "renewed (ANSSI-PA-079).",
            value=str(hours) if hours not in (None, -1) else None,
            config_keys=("hub:tls",),
        ),
    ]
