"""stack-sovereign-secrets-provider: Stack secrets are encrypted by a passphrase or a self-hosted
Vault, no US KMS."""

from __future__ import annotations

from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule

FOREIGN_KMS = {
    "awskms": "AWS KMS",
    "azurekeyvault": "Azure Key Vault",
    "gcpkms": "Google Cloud KMS",
    "service": "the Pulumi Cloud secrets manager",
}


def judge_secrets_provider(text: str) -> str | None:
    scheme = text.split("://", 1)[0].lower() if "://" in text else text.strip().lower()
    if scheme in {"passphrase", "default", "hashivault"}:
        return None
    if scheme in FOREIGN_KMS:
        return f"it is {FOREIGN_KMS[scheme]}, operated under US law"
    return f"{scheme!r} is not a known sovereign secrets provider (passphrase, hashivault://)"


@rule(
    "stack-sovereign-secrets-provider",
    description="Stack secrets are encrypted by a passphrase or a self-hosted Vault, no US KMS.",
    remediation="Use --secrets-provider passphrase or hashivault://<key> (hub:secretsProvider).",
    severity=Severity.CRITICAL,
    requirements=("STATE-SOVEREIGN", "SNC-19.6", "SNC-10"),
    enforces=(
        "passphrase or `hashivault://`, never AWS/Azure/GCP KMS or Pulumi Cloud: "
        "`hub:secretsProvider`, the stack file's own `secretsprovider:` (an `encryptedkey:` "
        "without one fails), an export's"
    ),
    scope=Scope.STACK,
)
def stack_sovereign_secrets_provider(context: Context) -> list[Outcome]:
    """Passes: passphrase or hashivault://. Fails: awskms://, azurekeyvault://, gcpkms://,
    Pulumi Cloud's 'service' manager, or anything unknown, whether configured (hub:secretsProvider
    or the stack file's own `secretsprovider:`, which is what the engine uses) or observed in a
    state export; an `encryptedkey` with no `secretsprovider` naming what sealed it."""
    site = context.site
    outcomes: list[Outcome] = []
    configured = site.text("hub:secretsProvider")
    if configured is not None:
        reason = judge_secrets_provider(configured)
        outcomes.append(
            passed()
            if reason is None
            else failed(
                f"secrets provider {configured!r} is not sovereign: {reason}. Use passphrase or "
                "hashivault:// (self-hosted Vault/OpenBao).",
                value=configured,
                config_keys=("hub:secretsProvider",),
            )
        )
    sources = site.sources
    stack_file = sources.stack_file if sources is not None else {}
    if "secretsprovider" in stack_file:
        value, line = stack_file["secretsprovider"]
        reason = judge_secrets_provider(str(value))
        outcomes.append(
            passed()
            if reason is None
            else failed(
                f"{sources.stack_file_name if sources else 'the stack file'}:{line} sets "
                f"secretsprovider {value!r}, which the engine encrypts the stack's secrets "
                f"with: {reason}. Use passphrase or hashivault://.",
            )
        )
    elif "encryptedkey" in stack_file:
        _, line = stack_file["encryptedkey"]
        outcomes.append(
            failed(
                f"{sources.stack_file_name if sources else 'the stack file'}:{line} has an "
                "encryptedkey but no secretsprovider: the key is sealed by a provider the pack "
                "cannot name, so where the secrets' key lives cannot be judged.",
            )
        )
    observed = site.observed_secrets_provider
    if observed is not None:
        reason = judge_secrets_provider(observed)
        outcomes.append(
            passed()
            if reason is None
            else failed(
                f"the exported state is encrypted by secrets provider {observed!r}: {reason}. "
                "Change it with `pulumi stack change-secrets-provider passphrase`.",
            )
        )
    return outcomes or [not_applicable("no secrets provider configured or observed")]
