"""What a rule sees and what it answers: resource views, site facts, and a three-way outcome.

The same views are built from three sources, so one rule body serves all of them:
  - offline synthesis (synth.records.ResourceRecord, `hubctl check --stack`);
  - a `pulumi stack export` file (`hubctl check --state`);
  - the engine's CrossGuard callbacks (policies.engine), where inputs arrive in the same
    camelCase form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any, TypeVar

from pydantic import BaseModel

from hubcore.catalogue import Catalogue, Region, load_catalogue
from hubcore.stacks import StackName
from hubcore.values import ConfigValue, Location, decode_config_value
from hubcore.wire import path_is_secret
from policies.clouds_yaml import CloudEntry, cloud_entry, cloud_key

SettingsT = TypeVar("SettingsT", bound=BaseModel)

SECRET_MASK = "[secret]"
UNKNOWN_MASK = "[unknown]"


class Status(StrEnum):
    """cdk-nag's three answers: a rule that cannot judge a resource says so instead of passing."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True)
class Outcome:
    """One answer of one rule about one resource (or the stack when `urn` is None).

    `value` and `config_keys` let the evaluator point at the stack-config line that produced the
    offending value instead of the program line: the first key among `config_keys` whose
    configured value equals `value` wins.
    """

    status: Status
    message: str = ""
    urn: str | None = None
    value: str | None = None
    config_keys: tuple[str, ...] = ()
    # Where the finding belongs when the rule knows better than the resource's own line (a live
    # audit's drift: the line that declares the drifted resource).
    location: Location | None = None


def passed() -> Outcome:
    return Outcome(Status.PASS)


def not_applicable(reason: str) -> Outcome:
    return Outcome(Status.NOT_APPLICABLE, reason)


def failed(
    message: str,
    *,
    urn: str | None = None,
    value: str | None = None,
    config_keys: Iterable[str] = (),
    location: Location | None = None,
) -> Outcome:
    return Outcome(Status.FAIL, message, urn, value, tuple(config_keys), location)


@dataclass(frozen=True)
class ResourceView:
    """A resource or provider as a rule judges it: inputs in camelCase, secrets masked."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    secret_paths: frozenset[str] = frozenset()
    provider_urn: str | None = None
    parent: str | None = None
    id: str | None = None
    source: Location | None = None
    # Input name -> URNs it was computed from (state exports and the engine carry these).
    dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Whether `dependencies` is complete: a state export entry that carries
    # propertyDependencies, or the engine's stack analysis. Then an input with no dependency
    # was written literally (config, or outside the program); otherwise nothing is known.
    dependencies_known: bool = False
    # Built from the engine's callbacks: secrets are decrypted (their paths still marked), and
    # an unknown value is an output the engine has not computed yet, judged again on `up`.
    engine: bool = False
    # The inputs the program declared, when `inputs` also holds what the cloud reported (a
    # state export merges both sides); None: every key of `inputs` was declared.
    input_keys: frozenset[str] | None = None

    @property
    def declared(self) -> dict[str, Any]:
        """The inputs the program (or whoever wrote the state) declared, outputs left out."""
        if self.input_keys is None:
            return dict(self.inputs)
        return {k: v for k, v in self.inputs.items() if k in self.input_keys}

    @property
    def is_provider(self) -> bool:
        return self.type.startswith("pulumi:providers:")

    @property
    def package(self) -> str:
        """`openstack`, `tls`... for resources and providers alike."""
        if self.is_provider:
            return self.type.removeprefix("pulumi:providers:")
        return self.type.split(":", 1)[0]

    def get(self, *path: str) -> Any:
        value: Any = self.inputs
        for key in path:
            if not isinstance(value, Mapping) or key not in value:
                return None
            value = value[key]
        return value

    def is_secret(self, path: str) -> bool:
        return path_is_secret(path, self.secret_paths)

    @property
    def tags(self) -> dict[str, str]:
        """`key=value` tags (OpenStack's only tag form) and metadata, merged."""
        result: dict[str, str] = {}
        for tag in self.inputs.get("tags") or []:
            if isinstance(tag, str) and "=" in tag:
                key, _, value = tag.partition("=")
                result[key] = value
        metadata = self.inputs.get("metadata")
        if isinstance(metadata, Mapping):
            result.update({str(k): str(v) for k, v in metadata.items()})
        return result


def is_known(value: Any) -> bool:
    """False for values a rule cannot read: secrets offline, unknowns during preview."""
    return not isinstance(value, str) or value not in (SECRET_MASK, UNKNOWN_MASK)


def holds_mask(value: Any, mask: str) -> bool:
    """Whether `value`, or anything inside it, is the mask (a secret or unknown element)."""
    if isinstance(value, str):
        return value == mask
    if isinstance(value, Mapping):
        return any(holds_mask(v, mask) for v in value.values())
    if isinstance(value, list | tuple):
        return any(holds_mask(v, mask) for v in value)
    return False


class Reading(StrEnum):
    """How much a rule can read of an input, and so whether it may judge it.

    COMPUTED: an output of resources of this stack (an id, an address) that is not known yet;
    it is judged through those resources, or on `up` under the engine. UNKNOWN: unknown with no
    such source (config, or outside the program): the rule fails closed. SECRET: masked here
    (offline); the engine sees it decrypted.
    """

    VALUE = "value"
    ABSENT = "absent"
    SECRET = "secret"
    COMPUTED = "computed"
    UNKNOWN = "unknown"

    @property
    def readable(self) -> bool:
        return self in (Reading.VALUE, Reading.ABSENT)


class AuditKind(StrEnum):
    """What a live audit finds beyond the properties of the resources it judges."""

    DRIFT = "drift"  # a managed resource differs from its stack's state
    UNMANAGED = "unmanaged"  # in the project, in no state of the site
    MISSING = "missing"  # in a state of the site, not in the cloud
    FORBIDDEN = "forbidden"  # the cloud refused to let the audit read a service (HTTP 403)
    INCOMPLETE = "incomplete"  # a fault left the inventory partial (unreachable, timeout...)


@dataclass(frozen=True)
class AuditFinding:
    kind: AuditKind
    urn: str
    message: str
    location: Location | None = None


@dataclass(frozen=True)
class AuditFacts:
    """What `hubctl audit` found by comparing the live project with the site's states; the
    `audit` rule family reports it. None on SiteFacts outside a live audit."""

    findings: tuple[AuditFinding, ...] = ()

    def of_kind(self, kind: AuditKind) -> list[AuditFinding]:
        return [finding for finding in self.findings if finding.kind is kind]


@dataclass(frozen=True)
class Sources:
    """Every configuration source beyond the stack's layered values, as read for the pack by
    policies.facts (rules read no file): policies/config_sources.py says how each is judged.

    A `*_problem` is why a source that exists could not be read: the rules fail closed on it.
    """

    project: Mapping[str, Any] | None = None
    project_problem: str | None = None
    # A stack file's top-level keys other than `config`: key -> (value as read, line).
    stack_file: Mapping[str, tuple[Any, int]] = field(default_factory=dict)
    stack_file_name: str | None = None
    # The stack's layered config could not be read (under the engine: its files are broken).
    config_problem: str | None = None
    # Variables of the families the engine and the providers read; credentials as "[set]".
    environment: Mapping[str, str] = field(default_factory=dict)
    # $PULUMI_HOME/credentials.json: the backend `pulumi login` made current.
    credentials_backend: str | None = None
    credentials_problem: str | None = None
    # The site's own entry of stacks/sites.yaml: where its facts are decided once.
    site_values: Mapping[str, ConfigValue] = field(default_factory=dict)


@dataclass(frozen=True)
class SiteFacts:
    """What rules need to know about the stack as a whole, read from its layered config.

    Values stay optional: a state export of a stack this repository does not define has no
    config, and rules that need a missing fact answer "not applicable" rather than guess.
    """

    stack: str | None = None
    config: Mapping[str, ConfigValue] = field(default_factory=dict)
    # Facts a state export carries itself (its secrets provider), not found in config.
    observed_secrets_provider: str | None = None
    # The region each site this one names (hub:drSite, hub:protects) is configured with, read
    # from the repository by whoever builds the facts (policies.facts): rules read no file.
    site_regions: Mapping[str, str | None] = field(default_factory=dict)
    # The clouds.yaml entry openstack:cloud names, read by policies.facts (with the rest of the
    # facts, so whatever keys a cached check on the facts keys on the entry too).
    clouds: Mapping[str, CloudEntry] = field(default_factory=dict)
    # Set by a live audit only (hubctl audit): drift, unmanaged and missing resources, services
    # it could not read.
    audit: AuditFacts | None = None
    # Every other configuration source; None when the facts were built by hand (tests, a bare
    # state export): rules that need them answer "not applicable".
    sources: Sources | None = None
    # The site this one protects (hub:protects) is a production site: then this one holds
    # production data every day and is production too.
    protects_production: bool = False

    def text(self, key: str) -> str | None:
        value = self.config.get(key)
        return None if value is None else value.value

    def value(self, key: str) -> Any:
        text = self.text(key)
        return None if text is None else decode_config_value(text)

    def location(self, key: str) -> Location | None:
        value = self.config.get(key)
        return None if value is None else value.location

    def is_secret(self, key: str) -> bool:
        value = self.config.get(key)
        return bool(value and value.secret)

    @property
    def site(self) -> str | None:
        if self.stack is None:
            return None
        name = StackName.try_parse(self.stack)
        return None if name is None else name.site

    @property
    def declared_production(self) -> bool | None:
        """What hub:production says (False when unset), None without config."""
        text = self.text("hub:production")
        if text is None:
            return False if self.config else None
        return text.strip().lower() == "true"

    @property
    def production(self) -> bool | None:
        """Production: declared so, or the disaster-recovery site of a production site (it
        holds production data every day, and becomes production on failover)."""
        if self.protects_production:
            return True
        return self.declared_production

    @property
    def classification(self) -> str | None:
        return self.text("hub:classification")

    @property
    def holds_health_data(self) -> bool | None:
        classification = self.classification
        return None if classification is None else classification == "health-data"

    @property
    def region_name(self) -> str | None:
        return self.text("openstack:region")

    @cached_property
    def internal_ranges(self) -> list[IPv4Network | IPv6Network]:
        """The site's own network and the operators' CIDRs: where admin flows may come from."""
        ranges: list[IPv4Network | IPv6Network] = []
        network = self.text("hub:networkCidr")
        if network:
            ranges.append(ip_network(network, strict=False))
        admins = self.value("hub:adminCidrs")
        if isinstance(admins, list):
            ranges.extend(ip_network(str(cidr), strict=False) for cidr in admins)
        return ranges

    @property
    def workspace_pool(self) -> IPv4Network | IPv6Network | None:
        """The site's range for research workspaces (hub:workspacePool): the admin tier reaches
        into it; nothing in it is a trusted source."""
        pool = self.text("hub:workspacePool")
        if not pool or self.is_secret("hub:workspacePool"):
            return None
        try:
            return ip_network(pool.strip(), strict=False)
        except ValueError:
            return None


@dataclass
class Context:
    """Everything a rule may consult besides the resource it judges."""

    site: SiteFacts
    resources: list[ResourceView]
    rule_config: Mapping[str, Any] = field(default_factory=dict)
    catalogue: Catalogue = field(default_factory=load_catalogue)
    # The pack config's suppressions and allowances (policies.config.Exemption), judged by
    # exemption-expired.
    exemptions: tuple[Any, ...] = ()
    _by_urn: dict[str, ResourceView] = field(default_factory=dict, init=False, repr=False)
    # Ids are unique per type only (offline synthesis names a subnet and a group alike).
    _by_id: dict[str, list[ResourceView]] = field(default_factory=dict, init=False, repr=False)
    # Results derived from the resources (normalised rules, indexes), shared by every clone of
    # one evaluation so each is computed once per stack, not once per rule and resource.
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)
    # The rule's settings, read once per rule (policies.registry.RuleSettings).
    _settings: dict[type, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for resource in self.resources:
            self._by_urn[resource.urn] = resource
            if resource.id:
                self._by_id.setdefault(resource.id, []).append(resource)

    def with_rule_config(self, config: Mapping[str, Any]) -> Context:
        clone = Context(self.site, [], config, self.catalogue, self.exemptions)
        clone.resources = self.resources
        clone._by_urn = self._by_urn
        clone._by_id = self._by_id
        clone._memo = self._memo
        return clone

    def settings(self, model: type[SettingsT]) -> SettingsT:
        """The rule's settings as its model reads them (defaults, then the pack config)."""
        if model not in self._settings:
            self._settings[model] = model.model_validate(dict(self.rule_config))
        found: SettingsT = self._settings[model]
        return found

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """`compute()` once per evaluation under `key`."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def of_type(self, type_token: str) -> list[ResourceView]:
        index: dict[str, list[ResourceView]] = self.memo(("types",), self._types)
        return index.get(type_token, [])

    def _types(self) -> dict[str, list[ResourceView]]:
        index: dict[str, list[ResourceView]] = {}
        for resource in self.resources:
            index.setdefault(resource.type, []).append(resource)
        return index

    def by_urn(self, urn: str | None) -> ResourceView | None:
        return self._by_urn.get(urn) if urn else None

    def by_id(self, resource_id: Any, type_token: str) -> ResourceView | None:
        if not isinstance(resource_id, str):
            return None
        found = [r for r in self._by_id.get(resource_id, ()) if r.type == type_token]
        return found[0] if len(found) == 1 else None

    def referenced(self, resource: ResourceView, prop: str, type_token: str) -> ResourceView | None:
        """The resource of type `type_token` whose id `resource` sets in input `prop`.

        By id when ids are known (exports, offline synthesis); else through the property's
        dependencies (the engine during preview, when new ids are still unknown).
        """
        target = self.by_id(resource.get(prop), type_token)
        if target is not None:
            return target
        candidates = [
            found
            for urn in resource.dependencies.get(prop, ())
            if (found := self.by_urn(urn)) is not None and found.type == type_token
        ]
        return candidates[0] if len(candidates) == 1 else None

    def provider_of(self, resource: ResourceView) -> ResourceView | None:
        return self.by_urn(resource.provider_urn)

    def providers(self) -> Iterator[ResourceView]:
        return (r for r in self.resources if r.is_provider)

    def region_of(self, resource: ResourceView) -> tuple[str | None, ResourceView | None]:
        """The region a resource lives in: its own `region` input, else its provider's.

        Returns the region text and the resource that set it (for the message and location).
        """
        own = resource.get("region")
        if own not in (None, ""):
            return (own if isinstance(own, str) else str(own)), resource
        provider = self.provider_of(resource)
        if provider is not None:
            region = provider.get("region")
            return (None if region in (None, "") else str(region)), provider
        return None, None

    def lookup_region(self, name: Any) -> Region | None:
        """The OpenStack region a provider sending `name` reaches: exact spellings only."""
        return self.catalogue.exact(name) if is_known(name) else None

    def cloud_entry(self, name: str, region: str | None = None) -> CloudEntry:
        """The clouds.yaml entry `name` for a provider of `region`: from the site facts, else
        read by policies.clouds_yaml (a provider of a state export may name one the config does
        not); never by a rule."""
        found = self.site.clouds.get(cloud_key(name, region))
        return found if found is not None else cloud_entry(name, region)

    def reading(self, resource: ResourceView, prop: str, value: Any = None) -> Reading:
        """How readable input `prop` of `resource` is (its value, or `value` read from it)."""
        if value is None:
            value = resource.get(prop)
        if value is None:
            return Reading.ABSENT
        if holds_mask(value, UNKNOWN_MASK):
            return Reading.COMPUTED if self.computed(resource, prop) else Reading.UNKNOWN
        if holds_mask(value, SECRET_MASK) and (resource.is_secret(prop) or value == SECRET_MASK):
            return Reading.SECRET
        return Reading.VALUE

    def computed(self, resource: ResourceView, prop: str) -> bool:
        """Whether an unknown `prop` is an output of resources the program declares."""
        if resource.engine:
            # The engine sends unknowns only for outputs not computed yet; it analyses the
            # resource again with the value before creating it.
            return True
        sources = resource.dependencies.get(prop.split(".")[0].split("[")[0], ())
        return any(self.by_urn(urn) is not None for urn in sources)
