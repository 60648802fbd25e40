"""Generated state exports: exit 0, 1 or 2, no traceback, no hang; unknown types always found.

Exports start from a shipped stack as `pulumi stack export` would write it after deploying, then
one or more JSON paths are replaced, dropped or wrapped by generated JSON, or the text itself is
cut, doubled or salted with bytes. A second family adds resources of packages the pack has no
rule for (`zzz:foo/bar:Baz`): each must get a mandatory violation on its own URN.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.synthesis import synthesize
from tests.hubctl_runner import run_hubctl
from tests.policies.exports import export_of
from tests.property.contract import assert_contract, hang_guard, hubctl

pytestmark = pytest.mark.property

STACK = "staging-kms"


@cache
def base() -> dict[str, Any]:
    """The shipped stack's export, synthesised once, when the first example needs it (not when
    the module is collected: a collection that runs the program costs every pytest run)."""
    exported: dict[str, Any] = export_of(synthesize(STACK))
    return exported


SIG = "4dabf18193072939515e22adb298388d"
SPECIAL = st.sampled_from(
    [
        {SIG: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:x:y"},
        {SIG: "1b47061264138c4ac30d75fd1eb44270", "plaintext": '"UK1"'},
        {SIG: "1b47061264138c4ac30d75fd1eb44270", "plaintext": "{"},
        {SIG: "1b47061264138c4ac30d75fd1eb44270"},
        {SIG: "5cf8f73096256a8f31e491e813e4eb8e", "urn": 3},
        {SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": 1},
        {SIG: 7},
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "urn:pulumi:staging-kms::hub::pulumi:providers:openstack::x::id",
        "[secret]",
        10**30,
        -(2**63),
        1e308,
    ]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    | SPECIAL,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@cache
def paths() -> list[tuple[Any, ...]]:
    return _paths(base())


def _replace(document: Any, path: tuple[Any, ...], value: Any, drop: bool) -> Any:
    if not path:
        return value
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return document


@st.composite
def mutated_export(draw: st.DrawFn) -> bytes:
    document = copy.deepcopy(base())
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths()))
        try:
            target: Any = document
            for step in path:
                target = target[step]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed it
        edit = draw(st.sampled_from(["replace", "drop", "wrap"]))
        value = [target] if edit == "wrap" else draw(JSON)
        document = _replace(document, path, value, drop=edit == "drop" and bool(path))
    text = json.dumps(document, indent=draw(st.sampled_from([None, 2])))
    raw = draw(st.sampled_from(["as is", "cut", "bytes", "duplicate key", "deep"]))
    if raw == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif raw == "duplicate key":
        text = text.replace('"type":', '"type": "zzz:a/b:C", "type":', 1)
    elif raw == "deep":
        depth = draw(st.integers(50, 5000))
        text = text.replace(
            '"inputs": {', '"inputs": {"deep": ' + "[" * depth + "]" * depth + ",", 1
        )
    data = text.encode("utf-8")
    if raw == "bytes":
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(min_size=1, max_size=3)) + data[cut:]
    return data


@pytest.fixture(scope="module")
def export_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("property") / "state.json"


@settings(max_examples=100)
@given(data=mutated_export())
def test_check_on_a_mutated_export_keeps_the_contract(export_file, data):
    export_file.write_bytes(data)
    hubctl(["check", "--state", str(export_file), "--format", "json"])


@settings(max_examples=60)
@given(document=JSON)
def test_check_on_any_json_document_keeps_the_contract(export_file, document):
    export_file.write_text(json.dumps(document), encoding="utf-8")
    hubctl(["check", "--state", str(export_file), "--format", "json"])


@settings(max_examples=3)
@given(data=mutated_export())
def test_mutated_exports_through_the_installed_command(export_file, data):
    export_file.write_bytes(data)
    done = run_hubctl(
        "check", "--state", str(export_file), installed=True, errors="replace", env=None,
        timeout=120,  # start-up alone can take seconds on a loaded machine: a hang guard
    )  # fmt: skip
    assert_contract(done.returncode, done.stderr)


# Resources outside the inventory: a mandatory violation on each one's URN, whatever it holds.

NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
UNKNOWN_TYPES = st.builds(
    lambda package, module, kind: f"{package}:{module}:{kind}",
    st.from_regex(r"zzz[a-z0-9]{0,6}", fullmatch=True),
    st.from_regex(r"(index|[a-z]{1,8}/[a-z]{1,8})", fullmatch=True),
    st.from_regex(r"[A-Z][A-Za-z0-9]{0,10}", fullmatch=True),
)
PLAIN_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


@st.composite
def unknown_resources(draw: st.DrawFn) -> list[dict[str, Any]]:
    provider = next(
        r for r in base()["deployment"]["resources"] if r["type"] == "pulumi:providers:openstack"
    )
    stack_urn = base()["deployment"]["resources"][0]["urn"]
    resources = []
    for index, kind in enumerate(draw(st.lists(UNKNOWN_TYPES, min_size=1, max_size=3))):
        name = f"{draw(NAMES)}-{index}"
        entry: dict[str, Any] = {
            "urn": f"urn:pulumi:{STACK}::hub::{kind}::{name}",
            "custom": True,
            "id": f"{name}-id",
            "type": kind,
            "inputs": draw(st.dictionaries(st.text(max_size=8), PLAIN_JSON, max_size=3)),
            "outputs": {},
            "parent": stack_urn,
        }
        if draw(st.booleans()):
            entry["provider"] = f"{provider['urn']}::{provider.get('id', 'id')}"
        resources.append(entry)
    return resources


@settings(max_examples=25)
@given(extra=unknown_resources())
def test_every_resource_outside_the_inventory_gets_a_mandatory_violation(export_file, extra):
    document = copy.deepcopy(base())
    document["deployment"]["resources"] += extra
    export_file.write_text(json.dumps(document), encoding="utf-8")
    with hang_guard():
        result = hubctl(["check", "--state", str(export_file), "--format", "json"])
    assert result.exit_code == 1, result.output
    flagged = {
        v["urn"] for v in json.loads(result.stdout)["violations"] if v["enforcement"] == "mandatory"
    }
    missing = [r["urn"] for r in extra if r["urn"] not in flagged]
    assert not missing, f"no mandatory violation on {missing}"
