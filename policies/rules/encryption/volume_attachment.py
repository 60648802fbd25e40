"""encryption-volume-attachment: A volume attachment joins a volume of the stack to a host of the
stack."""

from __future__ import annotations

from hubcore.resource_types import INSTANCE, VOLUME, VOLUME_ATTACH
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule
from policies.rules.common import cannot_judge, describe

VOLUME_ATTACH_TARGETS = (("instanceId", INSTANCE, "host"), ("volumeId", VOLUME, "volume"))


@rule(
    "encryption-volume-attachment",
    description="A volume attachment joins a volume of the stack to a host of the stack.",
    remediation="Attach only volumes and instances the stack declares.",
    severity=Severity.HIGH,
    requirements=("SNC-10", "HDS-ISO27001-A8"),
    enforces="a volume attachment joins a volume and a host the stack declares",
    scope=Scope.RESOURCES,
    applies_to=(VOLUME_ATTACH,),
)
def encryption_volume_attachment(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: instance_id and volume_id are an instance and a volume the stack declares (by id
    or through their dependencies), so the volume's encryption and the host's exposure are
    judged. Fails: either one written literally or taken from outside the stack (a host of
    another project, a volume no rule judged), or unreadable.
    Not applicable: ids computed by resources of the stack (a first preview)."""
    outcomes: list[Outcome] = []
    for prop, token, what in VOLUME_ATTACH_TARGETS:
        value = resource.get(prop)
        reading = context.reading(resource, prop, value)
        if context.referenced(resource, prop, token) is not None:
            outcomes.append(passed())
        elif reading is Reading.COMPUTED:
            outcomes.append(not_applicable(f"{prop} computed by resources of the stack"))
        elif not reading.readable:
            outcomes.append(cannot_judge(resource, prop, reading, f"which {what} it joins"))
        else:
            outcomes.append(
                failed(
                    f"{describe(resource)} joins {what} {value!r} ({prop}), which the stack does "
                    f"not declare: the {what}'s encryption and exposure are judged nowhere.",
                )
            )
    return outcomes
