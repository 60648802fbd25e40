"""The mocked engine the hub program runs under offline: Pulumi's mocks, plus a monitor that
keeps every registration request as the engine would have received it.

Reading synthesised records (a cached check, a state export) needs synth.records only, never
the Pulumi SDK; synth.synthesis imports this module only to run a program.
"""

from __future__ import annotations

import gc
import itertools
from collections import defaultdict, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pulumi
from google.protobuf import json_format
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks, settings

from hubcore.paths import REPO_ROOT
from hubcore.resource_types import PORT
from hubcore.stacks import PROJECT, StackName
from hubcore.values import ConfigValue
from hubcore.wire import decode_properties
from infra.config import HubConfig
from infra.kinds import kind_of
from synth.mockcrypto import tls_outputs
from synth.records import ResourceRecord


class _CapturingMonitor(mocks.MockMonitor):
    """MockMonitor that also keeps every RegisterResource request as the engine would see it."""

    def __init__(self, hub_mocks: HubMocks) -> None:
        super().__init__(hub_mocks)
        self.records: list[ResourceRecord] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self._record(
                response.urn,
                request,
                request.object,
                custom=bool(request.custom),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
            )
        return response

    def ReadResource(self, request: Any) -> Any:
        """Reads: stack references, which show how a layer is wired to the others."""
        response = super().ReadResource(request)
        # What a state export holds for a read: the outputs it read (a stack reference's).
        self._record(response.urn, request, response.properties, custom=True)
        return response

    def _record(
        self,
        urn: str,
        request: Any,
        properties: Any,
        *,
        custom: bool,
        protect: bool = False,
        retain_on_delete: bool = False,
    ) -> None:
        raw = json_format.MessageToDict(properties) if properties is not None else {}
        inputs, secrets = decode_properties(raw)
        source_file, source_line = _source_position(request)
        self.records.append(
            ResourceRecord(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                provider=request.provider or None,
                inputs=inputs,
                secret_paths=frozenset(secrets),
                protect=protect,
                retain_on_delete=retain_on_delete,
                custom=custom,
                source_file=source_file,
                source_line=source_line,
            )
        )


def _source_position(request: Any) -> tuple[str | None, int | None]:
    if not request.HasField("sourcePosition") or not request.sourcePosition.uri:
        return None, None
    path = Path(unquote(urlsplit(request.sourcePosition.uri).path))
    try:
        shown = str(path.relative_to(REPO_ROOT))
    except ValueError:
        shown = str(path)
    return shown, request.sourcePosition.line or None


# Outputs that a real provider computes and that other resources of the program consume (keys
# and certificates: synth.mockcrypto computes them as pulumi-tls would).
_COMPUTED: dict[str, dict[str, Any]] = {
    # The address Neutron gives a port (a workspace router's leg on the admin subnet).
    PORT: {"all_fixed_ips": ["192.0.2.10"]},
}


class HubMocks(pulumi.runtime.Mocks):
    """Answers for the mocked engine: ids, computed outputs, invokes and stack references."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {"name": args.name, "outputs": self._referenced_outputs(args.name)}
        state = dict(args.inputs)
        state.update(_COMPUTED.get(args.typ, {}))
        state.update(tls_outputs(args.typ, args.name, dict(args.inputs)) or {})
        if args.typ.startswith("openstack:keymanager/"):
            kind = "containers" if "container" in args.typ.lower() else "secrets"
            ref = f"https://barbican.{self.config.site}.invalid/v1/{kind}/{args.name}"
            state.setdefault("secret_ref", ref)
            state.setdefault("container_ref", ref)
        return f"{args.name}-id", state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        name = args.args.get("name", "resource")
        result = {**args.args, "id": f"{name}-id".replace(" ", "-").lower()}
        if args.token == "openstack:identity/getAuthScope:getAuthScope":
            # Who the provider's credentials are: the operator, in the site's project.
            result.update(user_id="operator-id", project_id=f"hub-{self.config.site}-id")
        return result, []

    def _referenced_outputs(self, reference: str) -> dict[str, Any]:
        name = StackName.try_parse(reference.rsplit("/", 1)[-1])
        if name is None:
            return {}
        return kind_of(name.layer).exports_class.placeholder(self.config)


def run_program(
    stack: str,
    config: HubConfig,
    values: dict[str, ConfigValue],
    main: Callable[[dict[str, ConfigValue], HubConfig], None],
) -> list[ResourceRecord]:
    """Every resource `main` declares for `stack` under mocks, in registration order."""
    hub_mocks = HubMocks(config)
    monitor = _CapturingMonitor(hub_mocks)
    settings.reset_options(project=PROJECT, stack=stack)
    runtime_config.set_all_config(
        {k: v.value for k, v in values.items()},
        [k for k, v in values.items() if v.secret],
    )
    mocks.set_mocks(hub_mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)

    # The order resources reach the monitor depends on thread scheduling (the SDK calls it
    # from a thread pool): the same program gave its records in another order on every run,
    # and a report that lists findings in record order with them. A stack transformation
    # sees each resource when the program constructs it, in the program's own order, which
    # is the order records are returned in.
    constructed: dict[tuple[str, str], deque[int]] = defaultdict(deque)
    counter = itertools.count()

    def note(args: pulumi.ResourceTransformationArgs) -> None:
        constructed[(args.type_, args.name)].append(next(counter))

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> None:
        pulumi.runtime.register_stack_transformation(note)
        main(values, config)

    # A synthesis only adds objects that live until it ends (resources, outputs, records), so
    # the automatic collector would rescan an ever larger heap for nothing: on a 2,000-host
    # site that was 40% of the time. It is off for the run; one collection afterwards frees
    # the SDK's reference cycles before anything else needs the memory.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        run()
    finally:
        if was_enabled:
            gc.enable()
    records = _in_construction_order(monitor.records, constructed)
    del monitor, hub_mocks
    gc.collect()
    return records


def _in_construction_order(
    records: list[ResourceRecord], constructed: dict[tuple[str, str], deque[int]]
) -> list[ResourceRecord]:
    """`records` in the order the program constructed them; any the transformation did not
    see (none today) keep their place after those, in the order the monitor got them."""
    unseen = itertools.count(1 << 60)

    def position(record: ResourceRecord) -> int:
        seen = constructed.get((record.type, record.name))
        return seen.popleft() if seen else next(unseen)

    keyed = [(position(record), record) for record in records]
    keyed.sort(key=lambda pair: pair[0])
    return [record for _, record in keyed]
