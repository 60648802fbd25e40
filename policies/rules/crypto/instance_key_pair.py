"""crypto-instance-key-pair: An instance opens with a key pair the stack declares, so its key is
judged."""

from __future__ import annotations

from hubcore.resource_types import INSTANCE, KEYPAIR
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule
from policies.rules.common import cannot_judge, describe


def _instance_key_pair(resource: ResourceView, context: Context) -> Outcome:
    name = resource.get("keyPair")
    reading = context.reading(resource, "keyPair", name)
    if reading is Reading.ABSENT or name == "" or reading is Reading.COMPUTED:
        return not_applicable("no key pair, or one the stack creates")
    if not reading.readable:
        return cannot_judge(resource, "keyPair", reading, "the key that opens the host")
    if any(pair.get("name") == name for pair in context.of_type(KEYPAIR)):
        return passed()  # that key pair is judged itself
    return failed(
        f"{describe(resource)} opens with key pair {name!r}, which the stack does not declare: "
        "its algorithm and size cannot be judged. Declare the key pair in the stack.",
    )


@rule(
    "crypto-instance-key-pair",
    description="An instance opens with a key pair the stack declares, so its key is judged.",
    remediation="Declare the key pair in the stack (its public key is then judged).",
    severity=Severity.HIGH,
    requirements=("ANSSI-B1-RSA", "ANSSI-B1-EC", "ANSSI-BP-028"),
    enforces=(
        "an instance opens with a key pair the stack declares (whose public key "
        "crypto-key-strength judges)"
    ),
    scope=Scope.RESOURCES,
    applies_to=(INSTANCE,),
)
def crypto_instance_key_pair(resource: ResourceView, context: Context) -> Outcome:
    """Passes: no key pair, or one the stack declares (judged by crypto-key-strength).
    Fails: a key pair the stack does not declare (its algorithm and size are judged nowhere),
    or a name that cannot be read. Not applicable: a name computed by the stack."""
    return _instance_key_pair(resource, context)
