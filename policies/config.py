"""The pack's configuration: layered enforcement, per-rule settings and suppressions.

Layers, lowest first (awsguard's habit): each rule's registered default; a pack-wide level under
the key "all"; a per-rule level or object. The format is CrossGuard's own (`--policy-pack-config`
JSON), so one file configures `pulumi preview --policy-pack policies` and `hubctl check` alike:

    {"all": "mandatory",
     "exposure-world-egress": "advisory",
     "crypto-key-strength": {"enforcementLevel": "mandatory", "allowEd25519": true},
     "encryption-volume-luks": {"suppress": [{"urn": "urn:pulumi:...", "reason": "..."}]}}

A suppression names one URN and must say why; one without a reason is a configuration error.
policies/pack-config.json holds the repository's own settings and is the base layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubcore import jsonfile
from policies.registry import REGISTRY, Enforcement, Rule, all_rules

PACK_CONFIG_FILE = Path(__file__).with_name("pack-config.json")


class PackConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Suppression:
    rule: str
    urn: str
    reason: str


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

    def suppression(self, rule_id: str, urn: str) -> Suppression | None:
        for suppression in self.suppressions:
            if suppression.rule == rule_id and suppression.urn == urn:
                return suppression
        return None

    def merged(self, other: PackConfig) -> PackConfig:
        """`other` on top of this layer."""
        properties = {k: dict(v) for k, v in self.properties.items()}
        for key, values in other.properties.items():
            properties.setdefault(key, {}).update(values)
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
            for entry in settings.pop("suppress", None) or []:
                config.suppressions.append(_suppression(entry, source, key))
            unknown = sorted(set(settings) - set(REGISTRY[key].config_defaults))
            if unknown:
                raise PackConfigError(
                    f"{source}: {key}: unknown setting {unknown[0]!r}; settings: "
                    f"{', '.join(sorted(REGISTRY[key].config_defaults)) or 'none'}"
                )
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


def _suppression(entry: Any, source: str, key: str) -> Suppression:
    if not isinstance(entry, Mapping) or not entry.get("urn"):
        raise PackConfigError(f"{source}: {key}: a suppression needs a urn and a reason")
    reason = str(entry.get("reason") or "").strip()
    if not reason:
        raise PackConfigError(
            f"{source}: {key}: suppression of {entry['urn']} has no reason; say why it is safe"
        )
    return Suppression(key, str(entry["urn"]), reason)


def load_pack_config(extra: Path | None = None) -> PackConfig:
    """The repository's pack config, with `extra` (e.g. --policy-config) on top."""
    config = PackConfig.load(PACK_CONFIG_FILE) if PACK_CONFIG_FILE.exists() else PackConfig()
    return config.merged(PackConfig.load(extra)) if extra else config
