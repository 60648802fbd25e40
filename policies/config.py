"""The pack's configuration: layered enforcement, per-rule settings and suppressions.

Layers, lowest first (awsguard's habit): each rule's registered default; a pack-wide level under
the key "all"; a per-rule level or object. The format is CrossGuard's own (`--policy-pack-config`
JSON), so one file configures `pulumi preview --policy-pack policies` and `hubctl check` alike:

    {"all": "mandatory",
     "exposure-world-egress": "advisory",
     "crypto-key-strength": {"enforcementLevel": "mandatory", "allowEd25519": true},
     "encryption-volume-luks": {"suppress": [{"urn": "urn:pulumi:...", "reason": "..."}]}}

Exemptions end (Azure Policy's exemptions, trivy's `expired_at`): a suppression names one URN,
an allowance admits a resource type outside the pack's inventory (or a whole package) for
`inventory-known-type`, and each names its owner, a ticket or a reason (or both), and the day
it expires, no further ahead than the pack's maximum (`exemption-expired` setting `maxDays`,
180 by default); anything missing is a configuration error:

    {"encryption-volume-luks": {"suppress": [{"urn": "urn:pulumi:...", "owner": "ops@hub",
                                              "ticket": "HUB-123", "expires": "2027-03-01"}]}},
     "inventory-known-type": {"allow": [{"type": "random:index/randomId:RandomId",
                                         "reason": "names only, no cloud resource",
                                         "owner": "ops@hub", "expires": "2027-03-01"}]}}

An expired exemption no longer exempts, and is a mandatory violation of its own
(`exemption-expired`); the evidence page lists every live one with its owner and end.
policies/pack-config.json holds the repository's own settings and is the base layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hubcore import jsonfile
from policies import clock
from policies.model import SettingsT
from policies.registry import REGISTRY, Enforcement, Rule
from policies.rules import all_rules

PACK_CONFIG_FILE = Path(__file__).with_name("pack-config.json")


class PackConfigError(ValueError):
    pass


EXEMPTION_RULE = "exemption-expired"
DEFAULT_MAX_DAYS = 180


@dataclass(frozen=True)
class Suppression:
    rule: str
    urn: str
    reason: str
    owner: str = ""
    expires: date | None = None
    ticket: str = ""

    def expired(self, on: date) -> bool:
        return self.expires is not None and self.expires < on


@dataclass(frozen=True)
class Exemption:
    """A suppression or an allowance, as the evidence page and `exemption-expired` see it."""

    kind: str  # "suppression" | "allowance"
    rule: str
    target: str  # a URN, a type token or a package
    owner: str
    reason: str
    ticket: str
    expires: date | None

    def expired(self, on: date) -> bool:
        return self.expires is not None and self.expires < on


@dataclass
class PackConfig:
    default: Enforcement | None = None
    levels: dict[str, Enforcement] = field(default_factory=dict)
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    suppressions: list[Suppression] = field(default_factory=list)

    def enforcement(self, rule: Rule) -> Enforcement:
        if rule.id in self.levels:
            return self.levels[rule.id]
        return self.default or rule.enforcement

    def rule_config(self, rule: Rule) -> dict[str, Any]:
        return {**rule.config_defaults, **self.properties.get(rule.id, {})}

    def settings(self, rule: Rule, model: type[SettingsT]) -> SettingsT:
        """The rule's settings, typed: its defaults, then this config's values."""
        return model.model_validate(self.rule_config(rule))

    def suppression(self, rule_id: str, urn: str, on: date | None = None) -> Suppression | None:
        """The live suppression of `rule_id` on `urn`: an expired one no longer suppresses."""
        day = on or clock.today()
        for suppression in self.suppressions:
            match = suppression.rule == rule_id and suppression.urn == urn
            if match and not suppression.expired(day):
                return suppression
        return None

    def exemptions(self) -> list[Exemption]:
        """Every suppression and allowance, with who owns it and when it ends."""
        found = [
            Exemption("suppression", s.rule, s.urn, s.owner, s.reason, s.ticket, s.expires)
            for s in self.suppressions
        ]
        for rule_id, settings in sorted(self.properties.items()):
            for entry in settings.get("allow", []) or []:
                target = entry.get("type") or entry.get("package") or ""
                expires = entry.get("expires")
                found.append(
                    Exemption(
                        "allowance",
                        rule_id,
                        str(target),
                        str(entry.get("owner", "")),
                        str(entry.get("reason", "")),
                        str(entry.get("ticket", "")),
                        date.fromisoformat(expires) if isinstance(expires, str) else None,
                    )
                )
        return found

    @property
    def max_exemption_days(self) -> int:
        value = self.properties.get(EXEMPTION_RULE, {}).get("maxDays", DEFAULT_MAX_DAYS)
        return int(value)

    def merged(self, other: PackConfig) -> PackConfig:
        """`other` on top of this layer."""
        properties = {k: dict(v) for k, v in self.properties.items()}
        for key, values in other.properties.items():
            current = properties.setdefault(key, {})
            allowed = [*current.get("allow", []), *values.get("allow", [])]
            current.update(values)
            if allowed:
                current["allow"] = allowed
        return PackConfig(
            default=other.default or self.default,
            levels={**self.levels, **other.levels},
            properties=properties,
            suppressions=[*self.suppressions, *other.suppressions],
        )

    @classmethod
    def from_mapping(cls, data: Any, source: str) -> PackConfig:
        if not isinstance(data, Mapping):
            raise PackConfigError(f"{source}: the policy config must be a JSON object")
        all_rules()
        config = cls()
        limit = _max_days(data, source)
        for key, value in data.items():
            if key == "all":
                config.default = _level(value, source, key)
                continue
            if key not in REGISTRY:
                known = ", ".join(sorted(REGISTRY))
                raise PackConfigError(f"{source}: unknown rule {key!r}; rules: {known}")
            if isinstance(value, str):
                config.levels[key] = _level(value, source, key)
                continue
            if not isinstance(value, Mapping):
                raise PackConfigError(f"{source}: {key}: expected a level or an object")
            settings = dict(value)
            if "enforcementLevel" in settings:
                config.levels[key] = _level(settings.pop("enforcementLevel"), source, key)
            for entry in _entries(settings.pop("suppress", None), source, key, "suppress"):
                config.suppressions.append(_suppression(entry, source, key, limit))
            if "allow" in settings:
                settings["allow"] = [
                    _allowance(entry, source, key, limit)
                    for entry in _entries(settings["allow"], source, key, "allow")
                ]
            unknown = sorted(set(settings) - set(REGISTRY[key].config_defaults))
            if unknown:
                raise PackConfigError(
                    f"{source}: {key}: unknown setting {unknown[0]!r}; settings: "
                    f"{', '.join(sorted(REGISTRY[key].config_defaults)) or 'none'}"
                )
            _check_settings(REGISTRY[key], settings, source)
            if settings:
                config.properties[key] = settings
        return config

    @classmethod
    def load(cls, path: Path) -> PackConfig:
        try:
            data = jsonfile.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise PackConfigError(f"{path}: cannot read: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise PackConfigError(f"{path}: not UTF-8 text (byte offset {error.start})") from error
        except jsonfile.JsonError as error:  # duplicate keys and deep nesting too
            raise PackConfigError(f"{path}: {error}") from error
        return cls.from_mapping(data, str(path))


def _level(value: Any, source: str, key: str) -> Enforcement:
    try:
        return Enforcement(str(value))
    except ValueError as error:
        levels = ", ".join(level.value for level in Enforcement)
        raise PackConfigError(f"{source}: {key}: level {value!r} is not one of {levels}") from error


def _entries(value: Any, source: str, key: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PackConfigError(f"{source}: {key}: {what} must be a list of objects")
    return value


def _max_days(data: Mapping[str, Any], source: str) -> int:
    settings = data.get(EXEMPTION_RULE)
    value = settings.get("maxDays", DEFAULT_MAX_DAYS) if isinstance(settings, Mapping) else None
    if value is None:
        return DEFAULT_MAX_DAYS
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PackConfigError(
            f"{source}: {EXEMPTION_RULE}: maxDays {value!r} is not a whole number of days (>= 1)"
        )
    return value


def _ending(
    entry: Mapping[str, Any], source: str, key: str, what: str, limit: int
) -> dict[str, Any]:
    """The owner, ticket or reason, and expiry every exemption carries, checked."""
    owner = entry.get("owner")
    if not isinstance(owner, str) or not owner.strip():
        raise PackConfigError(
            f'{source}: {key}: {what} has no owner; name who answers for it ("owner": ...)'
        )
    reason, ticket = entry.get("reason"), entry.get("ticket")
    texts = [t for t in (reason, ticket) if isinstance(t, str) and t.strip()]
    if not texts:
        raise PackConfigError(
            f"{source}: {key}: {what} has no reason or ticket; say why it is safe"
        )
    expires = entry.get("expires")
    try:
        end = date.fromisoformat(expires) if isinstance(expires, str) else None
    except ValueError:
        end = None
    if end is None:
        raise PackConfigError(
            f'{source}: {key}: {what} has no expiry date ("expires": "YYYY-MM-DD", got '
            f"{expires!r}); every exemption ends, at most {limit} days ahead"
        )
    latest = clock.today() + timedelta(days=limit)
    if end > latest:
        raise PackConfigError(
            f"{source}: {key}: {what} expires on {end}, more than {limit} days ahead (the latest "
            f"allowed is {latest}, {EXEMPTION_RULE} setting maxDays); review it sooner"
        )
    return {
        "owner": owner.strip(),
        "reason": (reason or "").strip() if isinstance(reason, str) else "",
        "ticket": (ticket or "").strip() if isinstance(ticket, str) else "",
        "expires": end.isoformat(),
    }


ENDING_KEYS = ("owner", "reason", "ticket", "expires")


def _allowance(entry: Any, source: str, key: str, limit: int) -> dict[str, str]:
    """One admitted type (or package), with its owner, reason and end."""
    if not isinstance(entry, Mapping):
        raise PackConfigError(f"{source}: {key}: an allowance is an object with type and reason")
    unknown = sorted(set(entry) - {"type", "package", *ENDING_KEYS})
    if unknown:
        raise PackConfigError(
            f"{source}: {key}: allowance key {unknown[0]!r} is not one of type, package, "
            f"{', '.join(ENDING_KEYS)}"
        )
    names = [entry.get(k) for k in ("type", "package") if entry.get(k) is not None]
    if len(names) != 1 or not isinstance(names[0], str) or not names[0].strip():
        raise PackConfigError(
            f"{source}: {key}: an allowance names exactly one `type` (a type token) or "
            "`package`, as a non-empty string"
        )
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise PackConfigError(
            f"{source}: {key}: allowance of {names[0]!r} has no reason; say why it is safe"
        )
    field = "type" if entry.get("type") is not None else "package"
    ending = _ending(entry, source, key, f"allowance of {names[0]!r}", limit)
    return {field: names[0], **ending}


def _suppression(entry: Any, source: str, key: str, limit: int) -> Suppression:
    if not isinstance(entry, Mapping) or not entry.get("urn"):
        raise PackConfigError(f"{source}: {key}: a suppression needs a urn and a reason")
    unknown = sorted(set(entry) - {"urn", *ENDING_KEYS})
    if unknown:
        raise PackConfigError(
            f"{source}: {key}: suppression key {unknown[0]!r} is not one of urn, "
            f"{', '.join(ENDING_KEYS)}"
        )
    reason = str(entry.get("reason") or "").strip()
    if not reason and not str(entry.get("ticket") or "").strip():
        raise PackConfigError(
            f"{source}: {key}: suppression of {entry['urn']} has no reason; say why it is safe"
        )
    ending = _ending(entry, source, key, f"suppression of {entry['urn']}", limit)
    return Suppression(
        key,
        str(entry["urn"]),
        ending["reason"] or ending["ticket"],
        ending["owner"],
        date.fromisoformat(ending["expires"]),
        ending["ticket"],
    )


def load_pack_config(extra: Path | None = None) -> PackConfig:
    """The repository's pack config, with `extra` (e.g. --policy-config) on top."""
    config = PackConfig.load(PACK_CONFIG_FILE) if PACK_CONFIG_FILE.exists() else PackConfig()
    return config.merged(PackConfig.load(extra)) if extra else config


def _check_settings(rule: Rule, settings: Mapping[str, Any], source: str) -> None:
    """Each setting of the right kind for the rule's model (a number where a number belongs)."""
    if rule.settings is None or not settings:
        return
    try:
        type(rule.settings).model_validate({**rule.config_defaults, **settings})
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "settings"
        raise PackConfigError(
            f"{source}: {rule.id}: {where}: {problem['msg']} (given {problem['input']!r})"
        ) from None
