"""Stack names: `<site>-<layer>` for a site's layers, `<site>-ws-<project>` for a research
workspace. The one place that parses and formats them; nothing else splits a stack name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from hubcore.values import ConfigError

PROJECT = "hub"


class Layer(StrEnum):
    NETWORK = "network"
    KMS = "kms"
    STORAGE = "storage"
    COMPUTE = "compute"
    WORKSPACE = "ws"


# The layers every site has, one stack each, in the order a person reads them (the enum's);
# the workspace layer has one stack per research project instead.
PROJECT_LAYERS: frozenset[Layer] = frozenset({Layer.WORKSPACE})
SITE_LAYERS: tuple[Layer, ...] = tuple(layer for layer in Layer if layer not in PROJECT_LAYERS)

SITE = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*?"
PROJECT_ID = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
_LAYERS = "|".join(layer.value for layer in SITE_LAYERS)
STACK_NAME = re.compile(
    rf"^(?P<site>{SITE})-(?:(?P<layer>{_LAYERS})|ws-(?P<workspace>{PROJECT_ID}))$"
)
SITE_NAME = re.compile(rf"^{SITE}$")
PROJECT_ID_PATTERN = re.compile(rf"^{PROJECT_ID}$")


@dataclass(frozen=True, order=True)
class StackName:
    """A parsed stack name; `str()` gives it back exactly."""

    site: str
    layer: Layer
    workspace: str | None = None

    def __post_init__(self) -> None:
        if (self.layer is Layer.WORKSPACE) != (self.workspace is not None):
            raise ValueError("a workspace stack names its project, and only it does")

    @classmethod
    def parse(cls, text: str) -> StackName:
        match = STACK_NAME.match(text)
        if not match or "-ws-" in f"-{match['site']}-":
            raise ConfigError(
                f"stack name {text!r} is not <site>-<layer> or <site>-ws-<project>: the layer "
                f"must be one of {', '.join(layer.value for layer in SITE_LAYERS)}; the site and "
                "the project: lowercase letters and digits joined by '-'",
                key="stack",
            )
        if match["workspace"] is not None:
            return cls(match["site"], Layer.WORKSPACE, match["workspace"])
        return cls(match["site"], Layer(match["layer"]))

    @classmethod
    def of(cls, site: str, layer: Layer | str, workspace: str | None = None) -> StackName:
        return cls(site, Layer(layer), workspace)

    @classmethod
    def try_parse(cls, text: str) -> StackName | None:
        try:
            return cls.parse(text)
        except ConfigError:
            return None

    def sibling(self, layer: Layer) -> StackName:
        """The stack of `layer` on the same site (a workspace reads its site's layers)."""
        return StackName(self.site, layer)

    def __str__(self) -> str:
        if self.layer is Layer.WORKSPACE:
            return f"{self.site}-ws-{self.workspace}"
        return f"{self.site}-{self.layer.value}"

    def reference(self, organization: str) -> str:
        """The fully qualified name a StackReference reads: `org/hub/<stack>`."""
        return f"{organization}/{PROJECT}/{self}"
