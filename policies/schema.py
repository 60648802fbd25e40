"""The providers' own schema, as the pinned Python SDKs declare it, and its snapshot.

Why the SDKs: the toolchain's provider plugins answer `pulumi package get-schema` with an empty
schema (they are bridged here without it, docs/engine.md), and embedding the schema in that
build would change tools/ and every engine build. The pinned SDKs (pulumi-openstack 5.5.3,
pulumi-tls 5.6.2) are generated from the providers' schema: every resource class has an
`<Resource>Args` input type whose `@pulumi.getter` properties are the schema's input properties
(wire name, type, required or not), nested input types (`<Resource><Block>Args`) to the leaf,
and `ProviderArgs` is the schema's config section, with the environment variables the SDK
reads for a config key left unset (`_utilities.get_env('OS_REGION_NAME')`).

`derive()` walks the installed SDKs; `policies/schema.json` is the snapshot the pack reads at
check time (no SDK import on the hot path), with the provider versions it was taken from.
tests/policies/test_schema.py fails when the two differ, so a provider upgrade shows up as a
failing test, then as unclassified properties (policies/properties.py), never as a hole.
Regenerate with `python -m policies.schema --write`.

A property is a JSON-schema-like mapping: {"type": string|boolean|integer|number|array|map|
object|any, "required": bool, "items": <property> (array), "values": <property> (map),
"properties": {name: <property>} (object)}.
"""

from __future__ import annotations

import argparse
import collections.abc
import importlib
import inspect
import json
import re
import sys
import types
import typing
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from hubcore import jsonfile

SNAPSHOT_FILE = Path(__file__).with_name("schema.json")
# The packages the pack understands resource by resource (policies.known_types), with the Python
# SDK that carries each one's schema.
SDK_MODULES = {"openstack": "pulumi_openstack", "tls": "pulumi_tls"}
DERIVED_FROM = "the pinned Python SDKs' <Resource>Args input types and ProviderArgs"

# `super(Port, __self__).__init__('openstack:networking/port:Port', ...)` in each resource
# module: the only place the SDK writes a resource's type token.
_TOKEN = re.compile(r"super\((\w+), __self__\)\.__init__\(\s*'([^']+)'")
# `region = _utilities.get_env('OS_REGION_NAME')` in ProviderArgs' constructor.
_ENV_DEFAULT = re.compile(r"(\w+) = _utilities\.get_env(?:_bool|_int|_float)?\(([^)]*)\)")
_NONE_TYPE = type(None)


class SchemaError(Exception):
    """The installed SDK has a shape this module cannot read (a new SDK generation)."""


def _is_output(arg: Any) -> bool:
    return isinstance(arg, typing.ForwardRef) and arg.__forward_arg__.startswith("Output[")


def _is_awaitable(arg: Any) -> bool:
    return typing.get_origin(arg) is collections.abc.Awaitable


def _resolve(arg: Any, namespace: dict[str, Any]) -> Any:
    if isinstance(arg, typing.ForwardRef):
        name = arg.__forward_arg__
        if name not in namespace:
            raise SchemaError(f"cannot resolve type {name!r}")
        return namespace[name]
    if isinstance(arg, str):
        return _resolve(typing.ForwardRef(arg), namespace)
    return arg


def _property(annotation: Any, namespace: dict[str, Any], seen: tuple[type, ...]) -> dict[str, Any]:
    """A property's schema from its getter's annotation (pulumi.Input[...] unwrapped)."""
    annotation = _resolve(annotation, namespace)
    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        kept = [
            a
            for a in typing.get_args(annotation)
            if a is not _NONE_TYPE and not _is_awaitable(a) and not _is_output(a)
        ]
        kinds = [_property(a, namespace, seen) for a in kept]
        distinct = {json.dumps(k, sort_keys=True) for k in kinds}
        if len(distinct) == 1:
            return kinds[0]
        # Union[str, SomeEnum] and the like: the wire carries a string either way.
        if all(k["type"] == "string" for k in kinds):
            return {"type": "string"}
        return {"type": "any"}
    if origin in (collections.abc.Sequence, list, tuple):
        (item,) = typing.get_args(annotation)[:1]
        return {"type": "array", "items": _property(item, namespace, seen)}
    if origin in (collections.abc.Mapping, dict):
        _, value = typing.get_args(annotation)
        return {"type": "map", "values": _property(value, namespace, seen)}
    if annotation is str:
        return {"type": "string"}
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is int:
        return {"type": "integer"}
    if annotation is float:
        return {"type": "number"}
    if annotation is Any:
        return {"type": "any"}
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return {"type": "string"}
    if isinstance(annotation, type) and _getters(annotation):
        if annotation in seen:
            raise SchemaError(f"{annotation.__name__} contains itself")
        return {"type": "object", "properties": _properties(annotation, (*seen, annotation))}
    raise SchemaError(f"unreadable annotation {annotation!r}")


def _getters(cls: type) -> dict[str, tuple[str, Any]]:
    """python name -> (wire name, getter) of an input type's @pulumi.getter properties."""
    found: dict[str, tuple[str, Any]] = {}
    for python_name, member in vars(cls).items():
        if isinstance(member, property) and member.fget is not None:
            wire = getattr(member.fget, "_pulumi_name", None)
            if isinstance(wire, str):
                found[python_name] = (wire, member.fget)
    return found


def _properties(cls: type, seen: tuple[type, ...] = ()) -> dict[str, dict[str, Any]]:
    namespace = vars(sys.modules[cls.__module__])
    parameters = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    result: dict[str, dict[str, Any]] = {}
    for python_name, (wire, fget) in sorted(_getters(cls).items(), key=lambda i: i[1][0]):
        prop = _property(fget.__annotations__["return"], namespace, (*seen, cls))
        parameter = parameters.get(python_name)
        prop["required"] = parameter is not None and parameter.default is inspect.Parameter.empty
        result[wire] = prop
    return result


def _resource_classes(package: str) -> list[type]:
    """Every resource class of an SDK, reached through its own (lazily loaded) modules.

    Attribute access, not importlib: the SDKs load their modules lazily and bind each class
    to its package on first use; importing their files out of that order leaves a package
    without the classes the program then asks for.
    """
    import pulumi

    root = importlib.import_module(package)
    found: dict[str, type] = {}
    modules = [root]
    for name in sorted(dir(root)):
        if name.startswith("_") or name == "config":
            continue
        value = getattr(root, name)
        if isinstance(value, types.ModuleType):
            modules.append(value)
    for module in modules:
        getattr(module, "_utilities", None)  # any attribute access loads a lazy module
        for name in dir(module):
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, pulumi.CustomResource):
                found[f"{value.__module__}.{value.__name__}"] = value
    return [found[key] for key in sorted(found)]


def _env_defaults(provider_module: Any, args: type) -> dict[str, list[str]]:
    """Config key (wire name) -> environment variables the SDK reads when it is unset."""
    wires = {python: wire for python, (wire, _) in _getters(args).items()}
    found: dict[str, list[str]] = {}
    source = inspect.getsource(provider_module)
    for python, arguments in _ENV_DEFAULT.findall(source):
        if python in wires:
            names = re.findall(r"'([A-Z0-9_]+)'", arguments)
            found.setdefault(wires[python], [])
            found[wires[python]] += [n for n in names if n not in found[wires[python]]]
    return found


def _distribution_version(package: str) -> str:
    from importlib.metadata import version

    return version(package.replace("_", "-"))


def derive_package(package: str) -> dict[str, Any]:
    """One SDK's schema: its version, config section and every resource's inputs."""
    module_name = SDK_MODULES[package]
    resources: dict[str, dict[str, Any]] = {}
    config: dict[str, Any] = {}
    for cls in _resource_classes(module_name):
        module = sys.modules[cls.__module__]
        tokens = [t for n, t in _TOKEN.findall(inspect.getsource(cls)) if n == cls.__name__]
        args = getattr(module, f"{cls.__name__}Args", None)
        if len(tokens) != 1 or not isinstance(args, type):
            raise SchemaError(f"{cls.__module__}.{cls.__name__}: no token or no Args class")
        if tokens[0] == package:  # the provider itself: the schema's config section
            properties = _properties(args)
            for key, names in _env_defaults(module, args).items():
                properties[key]["environment"] = names
            config = properties
        else:
            resources[tokens[0]] = _properties(args)
    if not config:
        raise SchemaError(f"{module_name}: no ProviderArgs found")
    return {
        "sdk": module_name,
        "version": _distribution_version(module_name),
        "config": config,
        "resources": dict(sorted(resources.items())),
    }


def derive() -> dict[str, Any]:
    """The schema of every understood package, from the installed SDKs."""
    return {
        "derivedFrom": DERIVED_FROM,
        "packages": {package: derive_package(package) for package in sorted(SDK_MODULES)},
    }


@cache
def snapshot() -> dict[str, Any]:
    """policies/schema.json: what the pack judges properties against."""
    loaded: dict[str, Any] = jsonfile.loads(SNAPSHOT_FILE.read_text(encoding="utf-8"))
    return loaded


def resource_schema(token: str) -> dict[str, dict[str, Any]] | None:
    """The input properties of a resource type (or a provider's config), or None."""
    packages = snapshot()["packages"]
    if token.startswith("pulumi:providers:"):
        package = packages.get(token.removeprefix("pulumi:providers:"))
        return None if package is None else package["config"]
    package = packages.get(token.split(":", 1)[0])
    if package is None:
        return None
    found: dict[str, dict[str, Any]] | None = package["resources"].get(token)
    return found


def versions() -> dict[str, str]:
    """Package -> the SDK version the snapshot was taken from."""
    return {name: p["version"] for name, p in snapshot()["packages"].items()}


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite policies/schema.json")
    options = parser.parse_args(argv)
    text = _text(derive())
    if options.write:
        SNAPSHOT_FILE.write_text(text, encoding="utf-8")
        return 0
    current = SNAPSHOT_FILE.read_text(encoding="utf-8") if SNAPSHOT_FILE.exists() else ""
    if current != text:
        print("policies/schema.json differs from the installed SDKs: run with --write")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
