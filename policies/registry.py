"""The rule registry: every rule's id, metadata and check function, refused if duplicated.

Rules register themselves from their family, through `rule` (one rule) or by calling `register`
(a parameterised family, like checkov's port checks: a factory in the family's common.py makes
each rule's check, sets its `__module__` to the name of the rule's own module, which calls it,
and registers the rule). A family is a package, policies/rules/<family>/, with one module per
rule named after the rule's id without the family (`qualification-secnumcloud-advisory` in
rules/qualification/secnumcloud_advisory.py); a rule registered by the family's package itself
is refused. The family is the package's name, never written by hand, so `crypto-*` ids live
in rules/crypto/, `audit-*` in rules/audit/.
Ids are checked at registration: lowercase, prefixed by the family, unique, never "all"
(reserved by CrossGuard for pack-wide config); in a package, the module is named after the rule.

This module is a leaf: it imports no rule module (tests/unit/test_architecture.py checks it).
Importing policies.rules fills the registry; `policies.rules.all_rules()` returns it complete.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from policies.model import Context, Outcome, ResourceView

ResourceCheck = Callable[[ResourceView, Context], Outcome | Iterable[Outcome]]
StackCheck = Callable[[Context], Outcome | Iterable[Outcome]]

RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
RESERVED_IDS = frozenset({"all"})
FAMILY_PACKAGE = "policies.rules."


def family_of(module: str) -> str | None:
    """The family a module's rules belong to: `policies.rules.crypto` -> `crypto`, and a
    module of a family package, `policies.rules.crypto.key_strength` -> `crypto`."""
    if not module.startswith(FAMILY_PACKAGE):
        return None
    parts = module.removeprefix(FAMILY_PACKAGE).split(".")
    return parts[0] if len(parts) <= 2 else None


def rule_module_name(rule_id: str, family: str) -> str:
    """The module of a family package that holds the rule: its id without the family, `-` as
    `_` (`crypto-key-strength` -> `key_strength`)."""
    return rule_id.removeprefix(family + "-").replace("-", "_")


class Enforcement(StrEnum):
    """CrossGuard's levels (remediate is not used: this pack never rewrites resources)."""

    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    DISABLED = "disabled"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Scope(StrEnum):
    """What a rule reads, which decides how the engine runs it.

    RESOURCE: the resource and its provider only (a CrossGuard resource policy).
    RESOURCES: each resource, but it may look others up (a security-group rule's group): the
      engine runs it as a stack policy, where every resource of the stack is visible.
    STACK: the stack as a whole, from its config (a stack policy with no resource).
    """

    RESOURCE = "resource"
    RESOURCES = "resources"
    STACK = "stack"


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    description: str
    remediation: str
    severity: Severity
    check: ResourceCheck | StackCheck
    enforcement: Enforcement = Enforcement.MANDATORY
    scope: Scope = Scope.RESOURCE
    # Resource type tokens the rule judges (a trailing "*" matches a prefix); empty: none (STACK).
    applies_to: tuple[str, ...] = ()
    # Per-rule settings with their defaults (an instance of the rule's model), overridable
    # through the pack's config; None: the rule takes no setting.
    settings: RuleSettings | None = None
    # The requirements it enforces (ids of policies.references.REQUIREMENTS).
    requirements: tuple[str, ...] = ()
    # What it enforces, in one sentence: its row of the pack README's rules table.
    enforces: str = ""
    # Derived from the check's module at registration; given only for rules defined elsewhere
    # (tests), where no family module exists.
    family: str = ""

    def applies(self, resource: ResourceView) -> bool:
        return _applies(self.applies_to, resource.type)

    @property
    def config_defaults(self) -> dict[str, Any]:
        """The settings' defaults by their config names (`maxDays`)."""
        return self.settings.model_dump(by_alias=True) if self.settings is not None else {}

    @property
    def config_schema(self) -> dict[str, dict[str, Any]]:
        """JSON-schema properties of the per-rule settings, for CrossGuard's config_schema."""
        kinds = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}
        return {
            key: {"type": kinds.get(type(default), "string"), "default": default}
            for key, default in self.config_defaults.items()
        }


@cache
def _applies(tokens: tuple[str, ...], type_token: str) -> bool:
    """Whether a type matches the tokens (a trailing "*" matches a prefix); few distinct pairs."""
    return any(
        type_token.startswith(token[:-1]) if token.endswith("*") else type_token == token
        for token in tokens
    )


class RuleSettings(BaseModel):
    """A rule's settings, typed, with their defaults. The pack config (CrossGuard's
    --policy-pack-config format) sets them by their camelCase names (`maxDays`); a rule reads
    them through `Context.settings(<its model>)`. An unknown key or a value of the wrong kind
    is refused when the config is loaded."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, alias_generator=to_camel
    )


class RegistryError(ValueError):
    pass


REGISTRY: dict[str, Rule] = {}


def register(new: Rule) -> Rule:
    module = getattr(new.check, "__module__", "") or ""
    derived = family_of(module)
    if derived is not None and new.family and new.family != derived:
        raise RegistryError(
            f"rule {new.id!r} says family {new.family!r} but lives in "
            f"{module.replace('.', '/')}.py, of the family {derived!r}"
        )
    if not (derived or new.family):
        raise RegistryError(f"rule {new.id!r}: a rule lives in a family module, policies.rules.*")
    new = replace(new, family=derived or new.family)
    if not RULE_ID.match(new.id) or new.id in RESERVED_IDS:
        raise RegistryError(f"rule id {new.id!r} must be lowercase words joined by '-'")
    if not new.id.startswith(new.family + "-"):
        raise RegistryError(f"rule id {new.id!r} must start with its family {new.family!r}")
    in_package = module.removeprefix(FAMILY_PACKAGE).partition(".")[2] if derived else ""
    if derived and not in_package:
        # Every family is a package: its __init__.py lists its rules' modules, and holds none.
        raise RegistryError(
            f"rule {new.id!r} is registered by policies/rules/{derived}/__init__.py; a family "
            f"package holds one rule per module, named after it: "
            f"rules/{derived}/{rule_module_name(new.id, new.family)}.py"
        )
    if in_package and in_package != rule_module_name(new.id, new.family):
        raise RegistryError(
            f"rule {new.id!r} lives in rules/{derived}/{in_package}.py; a family package holds "
            f"one rule per module, named after it: "
            f"rules/{derived}/{rule_module_name(new.id, new.family)}.py"
        )
    if new.id in REGISTRY:
        raise RegistryError(f"rule id {new.id!r} is registered twice")
    if (new.scope is Scope.STACK) != (not new.applies_to):
        raise RegistryError(f"rule {new.id!r}: stack rules judge no type, others at least one")
    REGISTRY[new.id] = new
    return new


def rule(
    rule_id: str,
    *,
    description: str,
    remediation: str,
    severity: Severity,
    enforcement: Enforcement = Enforcement.MANDATORY,
    scope: Scope = Scope.RESOURCE,
    applies_to: Iterable[str] = (),
    settings: RuleSettings | None = None,
    requirements: Iterable[str] = (),
    enforces: str = "",
) -> Callable[[Any], Any]:
    """Register the decorated function as one rule; the function itself is left unchanged."""

    def decorate(check: Any) -> Any:
        register(
            Rule(
                id=rule_id,
                description=description,
                remediation=remediation,
                severity=severity,
                enforcement=enforcement,
                scope=scope,
                applies_to=tuple(applies_to),
                check=check,
                settings=settings,
                requirements=tuple(requirements),
                enforces=enforces,
            )
        )
        return check

    return decorate
