"""CrossGuard adapter: the registry's rules as a PolicyPack that `pulumi preview --policy-pack
policies` loads. No rule logic lives here; each callback builds the same ResourceView and
Context the offline evaluator builds, and calls the same rule function.

Two things pulumi-policy 1.21 does not hand to policies, and how this module gets them:

- The stack name and config. The engine sends them in ConfigureStack (stack, config,
  config_secret_keys), but the SDK's servicer keeps only the tags. We wrap its ConfigureStack
  to keep the rest. When the pack is started through the legacy `pulumi-analyzer-policy-python`
  path instead, the engine sets PULUMI_STACK and PULUMI_CONFIG in the environment: used as the
  fallback. From the stack name, infra.config loads the site's layered config (sites.yaml and
  the stack file, for locations), and the engine's decrypted values override it.
- Which inputs are secrets. The engine sends secrets marked (KeepSecrets), but the SDK unwraps
  them before policies see `args.props`. We wrap Analyze/AnalyzeStack to decode the raw request
  with hubcore.wire.decode_properties, as offline synthesis does, so the secrets rule sees the
  same secret paths in both worlds; the values stay visible (a rule judges a secret endpoint on
  its value here, through its companion fact offline) and are never printed.
If a future SDK renames these private hooks, the pack still runs: views then come from
`args.props` (no secret paths, so secrets-no-plaintext judges every secret-named input as
plaintext and fails closed) and site facts from the environment.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from google.protobuf import json_format
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import Severity as PolicySeverity
from pulumi_policy import policy as policy_sdk

from hubcore.stackfiles import known_stacks, load_layered_config
from hubcore.values import ConfigError, ConfigValue, Location
from hubcore.wire import decode_properties
from policies import clock
from policies.config import (
    PACK_CONFIG_FILE,
    Exemption,
    PackConfig,
    PackConfigError,
    load_pack_config,
)
from policies.evaluate import run_rule
from policies.facts import site_facts
from policies.model import Context, Outcome, ResourceView, SiteFacts, Status
from policies.registry import Enforcement, Rule, Scope, Severity
from policies.rules import all_rules

PACK_NAME = "sovereign-hub"

_LEVELS = {
    Enforcement.MANDATORY: EnforcementLevel.MANDATORY,
    Enforcement.ADVISORY: EnforcementLevel.ADVISORY,
    Enforcement.DISABLED: EnforcementLevel.DISABLED,
}
_SEVERITIES = {
    Severity.LOW: PolicySeverity.LOW,
    Severity.MEDIUM: PolicySeverity.MEDIUM,
    Severity.HIGH: PolicySeverity.HIGH,
    Severity.CRITICAL: PolicySeverity.CRITICAL,
}
ENDING_SCHEMA = {
    "owner": {"type": "string", "minLength": 1},
    "reason": {"type": "string", "minLength": 1},
    "ticket": {"type": "string", "minLength": 1},
    "expires": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
}
ALLOW_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "type": {"type": "string", "minLength": 1},
            "package": {"type": "string", "minLength": 1},
            **ENDING_SCHEMA,
        },
        "required": ["reason", "owner", "expires"],
    },
}
SUPPRESS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"urn": {"type": "string"}, **ENDING_SCHEMA},
        "required": ["urn", "owner", "expires"],
    },
}


EXEMPTION_LISTS = (("suppression", "suppress", "urn"), ("allowance", "allow", ""))


class EngineStack:
    """What ConfigureStack and Configure told us (or the environment, on the legacy path)."""

    def __init__(self) -> None:
        self.stack: str | None = None
        self.config: dict[str, str] = {}
        self.secret_keys: set[str] = set()
        self._facts: SiteFacts | None = None
        # The pack config the engine sent (--policy-pack-config), rule -> settings; None: the
        # pack's own initial config (policies/pack-config.json) applies.
        self.pack_config: dict[str, Any] | None = None

    def exemptions(self) -> tuple[Exemption, ...]:
        """Every suppression and allowance in force, read leniently: an entry the engine took
        without an owner or an end is kept as such, and exemption-expired reports it."""
        if self.pack_config is None:
            try:
                return tuple(load_pack_config().exemptions())
            except PackConfigError:
                return ()
        found: list[Exemption] = []
        for rule_id, settings in sorted(self.pack_config.items()):
            if not isinstance(settings, Mapping):
                continue
            for kind, key, target in (
                ("suppression", "suppress", "urn"),
                ("allowance", "allow", ""),
            ):
                for entry in settings.get(key) or []:
                    if isinstance(entry, Mapping):
                        found.append(_exemption(kind, rule_id, entry, target))
        return tuple(found)

    def configure(self, stack: str, config: Mapping[str, str], secret_keys: set[str]) -> None:
        self.stack, self.config, self.secret_keys = stack, dict(config), secret_keys
        self._facts = None

    def facts(self) -> SiteFacts:
        if self.stack is None and os.environ.get("PULUMI_STACK"):
            raw = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
            self.configure(os.environ["PULUMI_STACK"], raw, set())
        if self._facts is None:
            values, problem = self._layered()
            self._facts = site_facts(self.stack, values, config_problem=problem)
        return self._facts

    def _layered(self) -> tuple[dict[str, ConfigValue], str | None]:
        """The stack's layered config with the engine's values over it, and why the
        repository's files could not be read (judged as a violation, never as no config)."""
        values: dict[str, ConfigValue] = {}
        problem = None
        if self.stack and self.stack in known_stacks():
            try:
                values = dict(load_layered_config(self.stack))
            except ConfigError as error:
                problem = str(error)
        # A key the stack file does not hold comes from the project file or the CLI's --config.
        elsewhere = Location("the engine's config (Pulumi.yaml or --config)")
        for key, text in self.config.items():
            location = values[key].location if key in values else elsewhere
            if key in values and values[key].location.file.endswith("sites.yaml"):
                location = elsewhere  # sites.yaml is not the engine's: the engine got it elsewhere
            values[key] = ConfigValue(text, key in self.secret_keys, location)
        return values, problem


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _exemption(kind: str, rule_id: str, entry: Mapping[str, Any], target: str) -> Exemption:
    name = entry.get(target) if target else entry.get("type") or entry.get("package")
    return Exemption(
        kind,
        rule_id,
        str(name or ""),
        str(entry.get("owner") or ""),
        str(entry.get("reason") or ""),
        str(entry.get("ticket") or ""),
        _date(entry.get("expires")),
    )


ENGINE_STACK = EngineStack()
_REQUEST = threading.local()


def _view(message: Any, provider_urn: str | None = None) -> ResourceView:
    raw = json_format.MessageToDict(message.properties)
    # The engine hands the pack decrypted secrets (their paths stay marked): judged on their
    # values, never printed. An unknown is an output not computed yet: judged again on `up`.
    inputs, secrets = decode_properties(raw, reveal=True)
    dependencies: dict[str, tuple[str, ...]] = {}
    carried = hasattr(message, "propertyDependencies")
    for key, deps in getattr(message, "propertyDependencies", {}).items():
        dependencies[str(key)] = tuple(str(u) for u in deps.urns)
    return ResourceView(
        urn=message.urn,
        type=message.type,
        name=message.name,
        inputs=inputs,
        secret_paths=frozenset(secrets),
        provider_urn=provider_urn,
        parent=getattr(message, "parent", None) or None,
        dependencies=dependencies,
        dependencies_known=carried,
        engine=True,
    )


def _views_of(resource: Any) -> list[ResourceView]:
    """The resource and its provider, as views, from an AnalyzeRequest or AnalyzerResource."""
    if resource.HasField("provider") and resource.provider.urn:
        provider = _view(resource.provider)
        return [_view(resource, provider.urn), provider]
    return [_view(resource)]


def install_hooks() -> bool:
    """Wrap the SDK servicer's RPCs to keep stack config and raw requests; False if absent."""
    servicer = getattr(policy_sdk, "_PolicyAnalyzerServicer", None)
    if servicer is None or getattr(servicer, "_hub_hooked", False):
        return servicer is not None
    configure, configure_pack, analyze, analyze_stack = (
        servicer.ConfigureStack,
        servicer.Configure,
        servicer.Analyze,
        servicer.AnalyzeStack,
    )

    def configure_stack(self: Any, request: Any, context: Any) -> Any:
        ENGINE_STACK.configure(request.stack, dict(request.config), set(request.config_secret_keys))
        return configure(self, request, context)

    def configure_policies(self: Any, request: Any, context: Any) -> Any:
        ENGINE_STACK.pack_config = {
            str(key): json_format.MessageToDict(value.properties)
            for key, value in request.policyConfig.items()
        }
        return configure_pack(self, request, context)

    def analyze_one(self: Any, request: Any, context: Any) -> Any:
        _REQUEST.views = _views_of(request)
        try:
            return analyze(self, request, context)
        finally:
            _REQUEST.views = None

    def analyze_all(self: Any, request: Any, context: Any) -> Any:
        views: dict[str, ResourceView] = {}
        for resource in request.resources:
            for view in _views_of(resource):
                views.setdefault(view.urn, view)
        _REQUEST.views = list(views.values())
        try:
            return analyze_stack(self, request, context)
        finally:
            _REQUEST.views = None

    servicer.ConfigureStack = configure_stack
    servicer.Configure = configure_policies
    servicer.Analyze = analyze_one
    servicer.AnalyzeStack = analyze_all
    servicer._hub_hooked = True
    return True


def _plain(value: Any) -> Any:
    """args.props without the SDK's proxies; unknown values become the offline mask."""
    if isinstance(value, Mapping):
        result = {}
        for key in value:
            try:
                result[key] = _plain(value[key])
            except Exception:  # the SDK raises on values unknown during preview
                result[key] = "[unknown]"
        return result
    if isinstance(value, list | tuple) or type(value).__name__ == "_ListProxy":
        items = []
        for index in range(len(value)):
            try:
                items.append(_plain(value[index]))
            except Exception:  # same: an unknown list element
                items.append("[unknown]")
        return items
    return value


def _fallback_views(resources: list[Any]) -> list[ResourceView]:
    views = []
    for resource in resources:
        provider = getattr(resource, "provider", None)
        views.append(
            ResourceView(
                urn=resource.urn,
                type=resource.resource_type,
                name=resource.name,
                inputs=_plain(resource.props),
                provider_urn=provider.urn if provider else None,
                engine=True,
            )
        )
        if provider is not None:
            views.append(
                ResourceView(
                    urn=provider.urn,
                    type=provider.resource_type,
                    name=provider.name,
                    inputs=_plain(provider.props),
                    engine=True,
                )
            )
    return views


def _context(views: list[ResourceView], rule: Rule, settings: Mapping[str, Any]) -> Context:
    config = {**rule.config_defaults, **{k: v for k, v in settings.items() if k != "suppress"}}
    return Context(
        site=ENGINE_STACK.facts(),
        resources=views,
        rule_config=config,
        exemptions=ENGINE_STACK.exemptions(),
    )


def _suppressed(settings: Mapping[str, Any], urn: str) -> bool:
    """A live suppression of this rule on `urn`: an owner, a reason or ticket, and an end that
    has not passed (an expired one no longer suppresses; exemption-expired reports it)."""
    day = clock.today()
    for entry in settings.get("suppress") or []:
        if not isinstance(entry, Mapping) or entry.get("urn") != urn:
            continue
        exemption = _exemption("suppression", "", entry, "urn")
        complete = exemption.owner and (exemption.reason or exemption.ticket)
        if complete and exemption.expires and not exemption.expired(day):
            return True
    return False


def _report(
    outcomes: list[Outcome],
    report: ReportViolation,
    settings: Mapping[str, Any],
    default_urn: str | None,
    per_urn: bool,
) -> bool:
    """Report the failures; True if any outcome was applicable."""
    applicable = False
    for outcome in outcomes:
        if outcome.status is Status.NOT_APPLICABLE:
            continue
        applicable = True
        urn = outcome.urn or default_urn
        if outcome.status is Status.FAIL and not (urn and _suppressed(settings, urn)):
            report(outcome.message, urn if per_urn else None)
    return applicable


def _resource_policy(rule: Rule) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        views = getattr(_REQUEST, "views", None) or _fallback_views([args])
        resource = next((v for v in views if v.urn == args.urn), None)
        if resource is None or not rule.applies(resource):
            return
        settings = args.get_config()
        outcomes = run_rule(rule, resource, _context(views, rule, settings))
        if not _report(outcomes, report, settings, args.urn, per_urn=False):
            args.not_applicable("; ".join(o.message for o in outcomes))

    return validate


def _stack_policy(rule: Rule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        views = getattr(_REQUEST, "views", None) or _fallback_views(list(args.resources))
        settings = args.get_config()
        context = _context(views, rule, settings)
        if rule.scope is Scope.STACK:
            _report(run_rule(rule, None, context), report, settings, None, per_urn=True)
            return
        for resource in views:
            if rule.applies(resource):
                outcomes = run_rule(rule, resource, context)
                _report(outcomes, report, settings, resource.urn, per_urn=True)

    return validate


def policies() -> list[Policy]:
    result: list[Policy] = []
    for rule in all_rules():
        common: dict[str, Any] = {
            "name": rule.id,
            "description": rule.description,
            "enforcement_level": _LEVELS[rule.enforcement],
            "severity": _SEVERITIES[rule.severity],
            "remediation_steps": rule.remediation,
            "tags": [rule.family, "sovereignty"],
            "config_schema": PolicyConfigSchema(
                properties={
                    **rule.config_schema,
                    **({"allow": ALLOW_SCHEMA} if "allow" in rule.config_defaults else {}),
                    "suppress": SUPPRESS_SCHEMA,
                }
            ),
        }
        if rule.scope is Scope.RESOURCE:
            result.append(ResourceValidationPolicy(validate=_resource_policy(rule), **common))
        else:
            result.append(StackValidationPolicy(validate=_stack_policy(rule), **common))
    return result


def initial_config() -> dict[str, EnforcementLevel | dict[str, Any]]:
    """policies/pack-config.json in the SDK's form (levels as enums)."""
    config = PackConfig.load(PACK_CONFIG_FILE) if PACK_CONFIG_FILE.exists() else PackConfig()
    rules = {rule.id: rule for rule in all_rules()}
    result: dict[str, EnforcementLevel | dict[str, Any]] = {}
    if config.default is not None:
        result["all"] = _LEVELS[config.default]

    def entry_of(rule_id: str) -> dict[str, Any]:
        # The engine reads an entry without enforcementLevel as the pack's default level
        # (advisory), not the rule's own: every entry states the level the pack means.
        entry: dict[str, Any] = dict(config.properties.get(rule_id, {}))
        rule = rules.get(rule_id)
        level = config.levels.get(rule_id) or (config.enforcement(rule) if rule else None)
        if level is not None:
            entry["enforcementLevel"] = _LEVELS[level]
        return entry

    for rule_id in set(config.levels) | set(config.properties):
        result[rule_id] = entry_of(rule_id)
    for suppression in config.suppressions:
        current = result.setdefault(suppression.rule, entry_of(suppression.rule))
        holder: dict[str, Any] = (
            current if isinstance(current, dict) else {"enforcementLevel": current}
        )
        suppress: list[dict[str, str]] = holder.setdefault("suppress", [])
        suppress.append(
            {
                "urn": suppression.urn,
                "reason": suppression.reason,
                "owner": suppression.owner,
                "ticket": suppression.ticket,
                "expires": suppression.expires.isoformat() if suppression.expires else "",
            }
        )
        result[suppression.rule] = holder
    return result


def serve() -> None:
    """Start the analyzer (blocks until the engine stops it)."""
    install_hooks()
    try:
        config = initial_config()
    except PackConfigError as error:
        raise SystemExit(f"policy pack config: {error}") from error
    PolicyPack(
        PACK_NAME,
        policies(),
        initial_config=config or None,
        description="Sovereign Hub: EU regions, qualified offers, encryption, exposure, "
        "cryptography and sovereign state (SecNumCloud, HDS, ANSSI).",
    )
