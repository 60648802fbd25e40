"""The one table of layer kinds: for each, its component, its exports model, the layers it
reads through stack references, and how its stacks are named.

The program declares a stack's component from it, `hubctl synth` answers stack references with
its exports models, and the deployer orders a site's stacks by what each kind reads. Components
and models are named by import path, so reading the table (the deployer, `hubctl check`) does
not import the Pulumi providers.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from hubcore.stacks import PROJECT_LAYERS, Layer, StackName

if TYPE_CHECKING:
    from infra.layers.base import LayerExports


@dataclass(frozen=True)
class LayerKind:
    layer: Layer
    component: str  # "module:Class", a ComponentResource taking (LayerContext, Upstream)
    exports: str  # "module:Class", the LayerExports model of its stack outputs
    reads: tuple[Layer, ...] = ()

    @property
    def per_project(self) -> bool:
        """One stack per research project (`<site>-ws-<id>`), else one per site
        (`<site>-<layer>`): hubcore.stacks says which layers are which."""
        return self.layer in PROJECT_LAYERS

    @cached_property
    def component_class(self) -> Any:
        return _resolve(self.component)

    @cached_property
    def exports_class(self) -> type[LayerExports]:
        found: type[LayerExports] = _resolve(self.exports)
        return found

    def stack(self, site: str, project: str | None = None) -> StackName:
        return StackName(site, self.layer, project if self.per_project else None)


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


KINDS: tuple[LayerKind, ...] = (
    LayerKind(
        Layer.NETWORK, "infra.layers.network:NetworkLayer", "infra.layers.network:NetworkExports"
    ),
    LayerKind(Layer.KMS, "infra.layers.kms:KmsLayer", "infra.layers.kms:KmsExports"),
    LayerKind(
        Layer.STORAGE,
        "infra.layers.storage:StorageLayer",
        "infra.layers.storage:StorageExports",
        reads=(Layer.KMS,),
    ),
    LayerKind(
        Layer.COMPUTE,
        "infra.layers.compute:ComputeLayer",
        "infra.layers.compute:ComputeExports",
        reads=(Layer.NETWORK, Layer.KMS),
    ),
    LayerKind(
        Layer.WORKSPACE,
        "infra.layers.workspace:WorkspaceLayer",
        "infra.layers.workspace:WorkspaceExports",
        reads=(Layer.NETWORK, Layer.KMS, Layer.STORAGE),
    ),
)
_BY_LAYER = {kind.layer: kind for kind in KINDS}


def kind_of(layer: Layer) -> LayerKind:
    try:
        return _BY_LAYER[layer]
    except KeyError:
        raise KeyError(f"no layer kind {layer.value!r} in infra/kinds.py") from None


# Which layers a layer reads through stack references (never by name lookups in the cloud).
LAYER_DEPENDENCIES: dict[Layer, tuple[Layer, ...]] = {kind.layer: kind.reads for kind in KINDS}
