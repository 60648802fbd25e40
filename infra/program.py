"""The Pulumi program: one layer per stack, chosen by the stack's name (<site>-<layer>) from
the table of layer kinds (infra.kinds).

The same function runs under the real engine (`pulumi up`, via __main__.py) and in-process under
mocks (`hubctl synth` / `hubctl check`). The whole configuration is validated before the first
resource is declared, so a bad value registers nothing.
"""

from __future__ import annotations

import functools
from typing import Any

import pulumi
import pulumi_tls as tls
from pulumi.runtime import config as runtime_config

from hubcore.stackfiles import load_layered_config, stack_file
from hubcore.values import ConfigError, ConfigValue, Location
from infra.config import HubConfig, validate_config
from infra.kinds import kind_of
from infra.layers.base import LayerContext, Upstream, read_exports
from infra.providers import REGION_KEY_PROVIDERS, make_provider


def engine_config(stack: str) -> dict[str, ConfigValue]:
    """The layered config when the engine runs us: site defaults, then the engine's config.

    The engine has already merged the stack file and any `-c` values; it tells which are secret.
    """
    values = load_layered_config(stack)
    for key, text in runtime_config.CONFIG.get().items():
        location = values[key].location if key in values else Location(str(stack_file(stack)))
        values[key] = ConfigValue(text, runtime_config.is_config_secret(key), location)
    return values


def declare(config: HubConfig) -> pulumi.Resource:
    """Declare the stack's layer, as the table of layer kinds says, and export its outputs."""
    kind = kind_of(config.layer)
    provider = make_provider(config, REGION_KEY_PROVIDERS["openstack:region"], config.region_name)
    tls_provider = tls.Provider("tls")
    context = LayerContext(config=config, provider=provider, tls_provider=tls_provider)
    upstream = Upstream(
        {layer: read_exports(config, kind_of(layer).exports_class) for layer in kind.reads}
    )
    component: pulumi.ComponentResource = kind.component_class(context, upstream)
    exports: pulumi.Output[dict[str, object]] = component.exports  # type: ignore[attr-defined]
    for key in kind.exports_class.model_fields:
        pulumi.export(key, exports.apply(functools.partial(_item, key)))
    # Secret outputs stay out of the exports model: one secret in it would make every output
    # of the layer secret (secrecy spreads through apply).
    secrets: dict[str, pulumi.Output[Any]] = getattr(component, "secret_exports", {})
    for key, value in secrets.items():
        pulumi.export(key, pulumi.Output.secret(value))
    pulumi.export("site", config.site)
    pulumi.export("layer", config.layer.value)
    pulumi.export("region", config.region.code)
    return component


def _item(key: str, exports: dict[str, object]) -> object:
    return exports[key]


def main(values: dict[str, ConfigValue] | None = None, config: HubConfig | None = None) -> None:
    """The program: the stack's config validated (from the engine, or `values`), then declared.
    Offline synthesis passes the config it validated from `values` already, so a stack is
    validated once per run."""
    if config is None:
        stack = pulumi.get_stack()
        try:
            config = validate_config(stack, values if values is not None else engine_config(stack))
        except ConfigError as error:
            # RunError: the engine prints the message alone, without a Python traceback.
            raise pulumi.RunError(str(error)) from error
    declare(config)
