"""What every layer shares: its context (validated config, explicit provider) and its exports.

Each layer exports a typed model. The program publishes it as stack outputs; a later layer reads
it back through a StackReference and validates it with the same model, so the contract between
stacks is checked at the boundary instead of trusted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import pulumi
import pulumi_openstack as openstack
import pulumi_tls as tls
from pydantic import BaseModel, ConfigDict

from hubcore.stacks import Layer
from hubcore.urns import URN_KEY, urn_hash, urn_tag
from infra.config import HubConfig

ExportsT = TypeVar("ExportsT", bound="LayerExports")


class LayerExports(BaseModel):
    """Stack outputs of a layer, read by the layers that depend on it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    layer: ClassVar[Layer]

    @classmethod
    def placeholder(cls, config: HubConfig) -> dict[str, Any]:
        """Plausible outputs for an offline run (hubctl synth), when no stack exists yet."""
        raise NotImplementedError


@dataclass(frozen=True)
class LayerContext:
    config: HubConfig
    provider: openstack.Provider
    tls_provider: tls.Provider

    def opts(self, parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent, provider=self.provider, **extra)

    def tls_opts(self, parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent, provider=self.tls_provider, **extra)

    def data_opts(self, parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
        """Options for a data-bearing resource: protected unless the site opts out (local).

        retain_on_delete keeps the cloud object when Pulumi forgets it, so a rebuild can
        re-attach the data instead of losing it.
        """
        protect = self.config.protect
        return pulumi.ResourceOptions(
            parent=parent,
            provider=self.provider,
            protect=protect,
            retain_on_delete=protect,
            **extra,
        )

    def name(self, *parts: str) -> str:
        return "-".join(("hub", self.config.site, *parts))

    def urn(self, parent: pulumi.Resource, kind: type[pulumi.Resource], name: str) -> str:
        """The URN the engine gives the resource `kind` named `name` under `parent`, the
        layer's component (a child of the stack itself, so its type is the whole chain).

        Computed here as plain text rather than through pulumi.create_urn: an Output of the
        component's own URN would make each child wait on its parent, a cycle.
        """
        token = pulumi.get_type_token(kind)
        if token is None:
            raise TypeError(f"{kind.__name__} carries no Pulumi type token")
        chain = f"{parent.pulumi_resource_type}${token}"
        return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{chain}::{name}"

    def urn_tag(self, parent: pulumi.Resource, kind: type[pulumi.Resource], name: str) -> str:
        """The `hub-urn=<hash>` tag of a resource (hubcore.urns): hubctl finds what an
        interrupted create made by it, and counts what no state owns."""
        return urn_tag(self.urn(parent, kind, name))

    def tags_for(
        self, parent: pulumi.Resource, kind: type[pulumi.Resource], name: str, *extra: str
    ) -> list[str]:
        """The site's tags, any extra ones, and the resource's URN tag (Nova, Neutron)."""
        return [*self.tags, *extra, self.urn_tag(parent, kind, name)]

    def metadata_for(
        self,
        parent: pulumi.Resource,
        kind: type[pulumi.Resource],
        name: str,
        extra: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
    ) -> pulumi.Output[dict[str, str]]:
        """The site's metadata, `extra`, and the URN hash under `hub-urn` (Cinder, Nova,
        Barbican, Swift: the kinds that take key/value metadata instead of tags)."""
        digest = urn_hash(self.urn(parent, kind, name))
        resolved: pulumi.Output[Mapping[str, str]] = pulumi.Output.from_input(extra or {})  # type: ignore[arg-type]
        return resolved.apply(lambda values: {**self.metadata, **values, URN_KEY: digest})

    @property
    def tags(self) -> list[str]:
        return [
            f"site={self.config.site}",
            f"classification={self.config.classification.value}",
            f"owner={self.config.owner}",
            "managed-by=pulumi",
        ]

    @property
    def metadata(self) -> dict[str, str]:
        return {
            "site": self.config.site,
            "classification": self.config.classification.value,
            "owner": self.config.owner,
            "managed-by": "pulumi",
        }


class Upstream:
    """The exports of the layers a layer reads (its kind's `reads`), by exports model."""

    def __init__(self, outputs: Mapping[Layer, pulumi.Output[Any]]) -> None:
        self._outputs = dict(outputs)

    def of(self, exports: type[ExportsT]) -> pulumi.Output[ExportsT]:
        try:
            found: pulumi.Output[ExportsT] = self._outputs[exports.layer]
        except KeyError:
            raise KeyError(
                f"layer {exports.layer.value!r} is not among the layers this kind reads "
                "(infra/kinds.py)"
            ) from None
        return found


def read_exports(
    config: HubConfig, exports: type[ExportsT], parent: pulumi.Resource | None = None
) -> pulumi.Output[ExportsT]:
    """The typed outputs of this site's `exports.layer` stack, through a StackReference."""
    name = config.stack_reference_name(exports.layer)
    reference = pulumi.StackReference(name, opts=pulumi.ResourceOptions(parent=parent))
    return reference.outputs.apply(lambda outputs: exports.model_validate(outputs))
