"""stack-config-sources: Every file the engine reads for the stack is judged: Pulumi.yaml and stack
file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hubcore.values import decode_config_value
from policies.config_sources import (
    PROJECT_FILE,
    PROJECT_OPTIONS,
    PROJECT_RUNTIME,
    PROJECT_STACK_DIR,
    STACK_FILE,
)
from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.properties import Refused, classified, schema_of
from policies.registry import Scope, Severity, rule
from policies.rules.common import at_default
from policies.rules.stack.common import refusal, shown_value


def _project_outcomes(project: Mapping[str, Any]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for key, value in project.items():
        verdict = PROJECT_FILE.get(key)
        if verdict is None:
            outcomes.append(
                failed(
                    f"Pulumi.yaml has top-level key {key!r}, which is not among the keys the pack "
                    "knows the engine reads (policies/config_sources.py): a newer CLI may act on "
                    "it, and what it does cannot be judged. Remove it.",
                )
            )
        elif isinstance(verdict, Refused):
            if not at_default(value, verdict.default, "any"):
                outcomes.append(refusal("Pulumi.yaml", key, verdict, value))
        elif key == "runtime" and value != PROJECT_RUNTIME:
            outcomes.append(
                failed(
                    f"Pulumi.yaml's runtime is {shown_value(value)}: the engine would run the "
                    f"program some other way than the toolchain's Python host in the project's "
                    f"virtualenv ({shown_value(PROJECT_RUNTIME)}).",
                )
            )
        elif key == "stackConfigDir" and value != PROJECT_STACK_DIR:
            outcomes.append(
                failed(
                    f"Pulumi.yaml's stackConfigDir is {value!r}: the engine would read stack "
                    f"files the pack does not (stacks/).",
                )
            )
        elif key == "options" and (
            not isinstance(value, Mapping) or set(value) - set(PROJECT_OPTIONS)
        ):
            outcomes.append(
                failed(
                    f"Pulumi.yaml's options {shown_value(value)} hold keys the pack does not "
                    f"know (known: {', '.join(PROJECT_OPTIONS)}).",
                )
            )
    return outcomes


def _provider_config(context: Context) -> list[Outcome]:
    """Provider keys of the stack's config (`openstack:*`, `tls:*`) against the schema's config
    section: they configure the engine's default providers, which the program does not use,
    but the engine applies them all the same."""
    outcomes: list[Outcome] = []
    for key, value in context.site.config.items():
        package, _, name = key.partition(":")
        if package not in ("openstack", "tls"):
            continue
        table = classified(f"pulumi:providers:{package}") or {}
        schema = schema_of(f"pulumi:providers:{package}") or {}
        verdict = table.get(name) if name in schema else None
        if verdict is None:
            outcomes.append(
                failed(
                    f"config key {key} ({value.location}) is no setting of the {package} "
                    "provider's schema (policies/schema.json): remove it.",
                    config_keys=(key,),
                )
            )
        elif isinstance(verdict, Refused) and not value.secret:
            kind = str(schema[name].get("type"))
            if not at_default(decode_config_value(value.value), verdict.default, kind):
                outcomes.append(refusal(str(value.location), key, verdict, value.value))
    return outcomes


@rule(
    "stack-config-sources",
    description="Every file the engine reads for the stack is judged: Pulumi.yaml and stack file.",
    remediation="Keep configuration in stacks/sites.yaml and the stack files' `config:`.",
    severity=Severity.CRITICAL,
    requirements=("CLOSED-WORLD", "STATE-SOVEREIGN", "SNC-19.6"),
    enforces=(
        "every key of `Pulumi.yaml` and of the stack file is one the pack knows: no project "
        "`config:`, `plugins:`, `packages:`, other runtime or stack directory; no ESC "
        "`environment:`; provider keys of the config are settings of the provider's schema; a "
        "source that cannot be read fails closed"
    ),
    scope=Scope.STACK,
)
def stack_config_sources(context: Context) -> list[Outcome]:
    """Passes: Pulumi.yaml holds only keys the pack knows, with the toolchain's runtime, the
    stacks/ directory, no project `config:`, no `plugins:` or `packages:`; the stack file holds
    no `environment:` (Pulumi ESC); every provider key of the config is a setting of the
    provider's schema, refused ones at their default.
    Fails: any other key or value; a project file, stack file or layered config that cannot be
    read (fail closed, naming it).
    Not applicable: facts built without the repository's files (a foreign state export)."""
    sources = context.site.sources
    if sources is None:
        return [not_applicable("no configuration sources read")]
    outcomes: list[Outcome] = []
    if sources.project_problem is not None:
        outcomes.append(
            failed(f"Pulumi.yaml cannot be judged: {sources.project_problem}; the engine reads it.")
        )
    elif sources.project is not None:
        outcomes += _project_outcomes(sources.project)
    if sources.config_problem is not None:
        outcomes.append(
            failed(
                f"the stack's configuration cannot be read: {sources.config_problem}; what the "
                "engine applies could not be judged, and what cannot be read does not pass.",
            )
        )
    where = sources.stack_file_name or "the stack file"
    for key, (value, line) in sorted(sources.stack_file.items()):
        verdict = STACK_FILE.get(key)
        if verdict is None:
            outcomes.append(
                failed(f"{where}:{line} has top-level key {key!r}, unknown to the pack.")
            )
        elif isinstance(verdict, Refused) and not at_default(value, verdict.default, "any"):
            outcomes.append(refusal(f"{where}:{line}", key, verdict, value))
    outcomes += _provider_config(context)
    return outcomes or [passed()]
