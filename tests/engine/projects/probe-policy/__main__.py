"""A one-rule pack for the engine tests: flags every ECDSA key, whatever the curve.

It exists so that loading a Python policy pack through the language host is tested even when
the project's own pack (policies/) is being changed.
"""

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)


def flag_ecdsa(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if (
        args.resource_type == "tls:index/privateKey:PrivateKey"
        and args.props.get("algorithm") == "ECDSA"
    ):
        report_violation("probe: ECDSA key seen", None)


PolicyPack(
    "engine-probe",
    policies=[
        ResourceValidationPolicy(
            name="probe-flag-ecdsa",
            description="Flags ECDSA keys so the test sees a violation travel through the engine.",
            validate=flag_ecdsa,
            enforcement_level=EnforcementLevel.ADVISORY,
        )
    ],
)
