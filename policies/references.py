"""The requirements the pack enforces, and which rule enforces which: data, in one place.

cdk-nag keeps its rule-to-control mapping in free text repeated per pack; here each rule
declares the requirements it enforces, gathered in one table (RULE_REQUIREMENTS), tested both
ways: every rule maps to at least one requirement, every
requirement is cited by at least one rule, and every cited id exists.

Section numbers are given as far as they could be checked from the public documents. Where the
exact clause label was not checked against the published text, `verified` is False and the
citation names the section only: a reviewer should confirm it before quoting it in an audit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requirement:
    id: str
    framework: str
    citation: str
    summary: str
    verified: bool = True


_REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement(
        "SNC-19.1",
        "SecNumCloud 3.2",
        "ANSSI SecNumCloud referential v3.2, chapter 19.1 (data localisation)",
        "Customer data and the technical data of the service are stored and processed in the EU.",
        verified=False,
    ),
    Requirement(
        "SNC-19.6",
        "SecNumCloud 3.2",
        "ANSSI SecNumCloud referential v3.2, chapter 19 (protection against non-EU law)",
        "The service, its administration and its suppliers are not subject to non-EU law.",
        verified=False,
    ),
    Requirement(
        "SNC-QUALIFIED",
        "SecNumCloud 3.2",
        "ANSSI SecNumCloud qualification (list of qualified offers)",
        "Sensitive production data is hosted on an offer ANSSI has qualified SecNumCloud.",
    ),
    Requirement(
        "SNC-10",
        "SecNumCloud 3.2",
        "ANSSI SecNumCloud referential v3.2, chapter 10 (cryptography: data at rest and keys)",
        "Data at rest is encrypted with keys the customer controls; secrets are protected.",
        verified=False,
    ),
    Requirement(
        "SNC-13",
        "SecNumCloud 3.2",
        "ANSSI SecNumCloud referential v3.2, chapter 13 (operations security: network filtering)",
        "Network flows are filtered to the strict minimum; administration is isolated.",
        verified=False,
    ),
    Requirement(
        "SNC-12",
        "SecNumCloud 3.2",
        "ANSSI SecNumCloud referential v3.2, chapter 12 (operations security: change management, "
        "configuration monitoring)",
        "Changes go through the reviewed process; the running configuration is monitored for "
        "deviations from it.",
        verified=False,
    ),
    Requirement(
        "HDS-2.0",
        "HDS",
        "Certification Hébergeur de Données de Santé, référentiel v2.0 (2024), data location",
        "Health data is hosted in the European Economic Area by a certified host.",
        verified=False,
    ),
    Requirement(
        "HDS-ISO27001-A8",
        "HDS",
        "HDS v2.0 on ISO/IEC 27001:2022 Annex A 8.20-8.24 (network security, cryptography)",
        "Networks are segregated and protected; cryptography protects confidentiality.",
    ),
    Requirement(
        "ANSSI-B1-RSA",
        "ANSSI RGS B1",
        "RGS annexe B1 v2.03 (2014), §2.2.1 factorisation: RègleFact-1",
        "RSA modulus at least 2048 bits until 2030 and 3072 bits for use beyond 2030.",
        verified=False,
    ),
    Requirement(
        "ANSSI-B1-EC",
        "ANSSI RGS B1",
        "RGS annexe B1 v2.03 (2014), §2.2.3 elliptic-curve discrete logarithm",
        "Elliptic-curve subgroup order at least 256 bits (P-256, P-384, P-521 qualify).",
        verified=False,
    ),
    Requirement(
        "ANSSI-B1-SYM",
        "ANSSI RGS B1",
        "RGS annexe B1 v2.03 (2014), §2.1.1 symmetric keys",
        "Symmetric keys of at least 128 bits (AES-128 in XTS mode needs a 256-bit key).",
        verified=False,
    ),
    Requirement(
        "ANSSI-PA-079",
        "ANSSI PA-079",
        "ANSSI-PA-079, guide de sélection d'algorithmes cryptographiques (2021)",
        "Recommended algorithms and key lifetimes; keys and certificates are renewed.",
    ),
    Requirement(
        "ANSSI-BP-028",
        "ANSSI BP-028",
        "ANSSI-BP-028 v2.0, recommandations de configuration d'un système GNU/Linux",
        "No password-based administrator access; administration only through a bastion.",
    ),
    Requirement(
        "ANSSI-TLS",
        "ANSSI PA-035",
        "ANSSI-PA-035, recommandations de sécurité relatives à TLS",
        "Connections use TLS with verified server certificates; no plaintext protocol.",
        verified=False,
    ),
    Requirement(
        "CLOSED-WORLD",
        "Sovereign Hub",
        "policies/known_types.py, properties.py and config_sources.py: every type, property and "
        "configuration source the pack judges",
        "Nothing reaches the engine that the pack has not judged or admitted with a reason.",
    ),
    Requirement(
        "CATALOGUE",
        "Sovereign Hub",
        "hubcore/catalogue.yaml: the region catalogue (EU regions, providers, LUKS volume types)",
        "Only regions, endpoints and volume types the catalogue lists are used.",
    ),
    Requirement(
        "CNIL-AUTH",
        "CNIL",
        "Loi Informatique et Libertés, art. 66 and 72-73: CNIL authorisation of health-data "
        "processing for research, or conformity to a reference methodology (MR-001 to MR-006)",
        "Access to health data is limited to the authorised project, its data and its duration.",
        verified=False,
    ),
    Requirement(
        "GDPR-5-1-E",
        "GDPR",
        "Regulation (EU) 2016/679, article 5(1)(e): storage limitation",
        "Personal data is kept no longer than necessary for the purpose it was processed for.",
    ),
    Requirement(
        "GDPR-5-1-C",
        "GDPR",
        "Regulation (EU) 2016/679, article 5(1)(c): data minimisation",
        "Personal data is limited to what is necessary for the purpose.",
    ),
    Requirement(
        "GDPR-32",
        "GDPR",
        "Regulation (EU) 2016/679, article 32: security of processing",
        "Encryption, confidentiality and isolation appropriate to the risk.",
    ),
    Requirement(
        "TRE-OUTPUT",
        "SATRE",
        "SATRE specification (Standard Architecture for Trusted Research Environments), output "
        "checking; OpenSAFELY's output-checking rule of two checkers per release",
        "Results leave a trusted research environment only after disclosure checks and review "
        "by two output checkers, with every request and decision recorded.",
        verified=False,
    ),
    Requirement(
        "SNC-17",
        "SecNumCloud 3.2",
        "ANSSI SecNumCloud referential v3.2, chapter 17 (business continuity)",
        "The provider plans and tests the continuity of the service, including backups that "
        "can be restored.",
        verified=False,
    ),
    Requirement(
        "HDS-ISO27001-A5.30",
        "HDS",
        "HDS v2 (2024) on ISO/IEC 27001:2022, Annex A 5.30 (ICT readiness for business continuity)",
        "Continuity objectives are set and ICT readiness is planned, implemented and tested.",
        verified=False,
    ),
    Requirement(
        "STATE-SOVEREIGN",
        "Sovereign Hub",
        "shared domain notes: Pulumi state and secrets must stay sovereign",
        "State lives on an EU-controlled backend; secrets use passphrase or self-hosted Vault.",
    ),
)

REQUIREMENTS: dict[str, Requirement] = {r.id: r for r in _REQUIREMENTS}


def _rule_requirements() -> dict[str, tuple[str, ...]]:
    from policies.rules import all_rules

    return {rule.id: rule.requirements for rule in all_rules()}


# Which rule enforces which requirement: each rule declares its own (`@rule(requirements=...)`).
RULE_REQUIREMENTS: dict[str, tuple[str, ...]] = _rule_requirements()
