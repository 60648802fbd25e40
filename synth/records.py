"""What offline synthesis gives: one record per resource the program declared, and the stack's.

Plain data (pydantic), importable without the Pulumi SDK or the program: reading cached records
or a state export needs only this module. Synthesis, the mocked engine and sampling all use it,
and it uses none of them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hubcore.wire import path_is_secret, provider_urn_of


class ResourceRecord(BaseModel):
    """One resource or provider as declared: the unit every policy rule judges."""

    model_config = ConfigDict(frozen=True)

    urn: str
    type: str
    name: str
    parent: str | None = None
    provider: str | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)
    secret_paths: frozenset[str] = frozenset()
    protect: bool = False
    retain_on_delete: bool = False
    custom: bool = True
    # Where the program declared it (from the SDK's source position), relative to the repository.
    source_file: str | None = None
    source_line: int | None = None

    @property
    def is_provider(self) -> bool:
        return self.type.startswith("pulumi:providers:")

    @property
    def provider_urn(self) -> str | None:
        return provider_urn_of(self.provider)

    def is_secret(self, path: str) -> bool:
        return path_is_secret(path, self.secret_paths)


class SynthResult(BaseModel):
    stack: str
    resources: list[ResourceRecord]
    config: dict[str, Any] = Field(default_factory=dict, exclude=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "parent": r.parent,
                    "provider": r.provider,
                    "inputs": r.inputs,
                }
                for r in self.resources
            ],
        }
