"""The layout is the architecture: rooms with one-way imports over a small base.

    hubcore   the base: catalogue, config values, stack names, stack files, wire encoding
    infra     the program: layers, typed config, tiers, hardening (imports hubcore)
    synth     offline synthesis: the program under Pulumi's mocks (imports hubcore, infra)
    hostbuild the hosts' Debian base root and the local cloud's image, from the hardening's
              packages (imports hubcore, infra; nothing imports it: the program never builds
              an image, the host suite and scripts/image use it)
    policies  the policy pack (imports hubcore only: it judges the program, never trusts it)
    hubctl    the operator tool on top (imports the rooms above, hostbuild aside)
    localcloud the local OpenStack cloud, run by Debian's python3 outside the virtualenv:
              imports the base's standard-library-only modules (its /proc reader) and nothing else

Every import is read from the source (module level, inside functions and under TYPE_CHECKING
alike), so a lazy import cannot slip past; and no module of any room reaches itself again through
its imports (no circle, within a room or across them).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

Finding = TypeVar("Finding")

ROOT = Path(__file__).resolve().parents[2]
ROOMS = ("hubcore", "infra", "synth", "hostbuild", "policies", "hubctl", "localcloud")
ALLOWED: dict[str, frozenset[str]] = {
    "hubcore": frozenset(),
    "infra": frozenset({"hubcore"}),
    "synth": frozenset({"hubcore", "infra"}),
    "hostbuild": frozenset({"hubcore", "infra"}),
    "policies": frozenset({"hubcore"}),
    "hubctl": frozenset({"hubcore", "infra", "synth", "policies", "localcloud"}),
    "localcloud": frozenset({"hubcore"}),
}


def found_in(
    rooms: tuple[str, ...],
    find: Callable[[Path], Finding],
    exempt: Callable[[str], bool] = lambda relative: False,
) -> dict[str, Finding]:
    """What `find` reports of each Python module of `rooms` (by its path from the root), for
    the modules it reports something of and that are not `exempt`."""
    return {
        relative: finding
        for room in rooms
        for path in sorted((ROOT / room).rglob("*.py"))
        if not exempt(relative := str(path.relative_to(ROOT))) and (finding := find(path))
    }


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def room_imports(room: str) -> dict[str, set[str]]:
    """For each file of `room`, the other rooms it imports."""
    result: dict[str, set[str]] = {}
    for path in sorted((ROOT / room).rglob("*.py")):
        rooms = {m.split(".")[0] for m in imported_modules(path)} & set(ROOMS)
        result[str(path.relative_to(ROOT))] = rooms - {room}
    return result


@pytest.mark.parametrize("room", ROOMS)
def test_a_room_imports_only_the_rooms_below_it(room: str) -> None:
    offending = {
        file: sorted(rooms - ALLOWED[room])
        for file, rooms in room_imports(room).items()
        if rooms - ALLOWED[room]
    }
    assert not offending, f"{room} may import only {sorted(ALLOWED[room])}: {offending}"


def hubcore_modules_of(room: str) -> set[str]:
    """The hubcore modules `room` imports, and those they import in turn."""
    wanted: set[str] = set()
    for path in sorted((ROOT / room).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "hubcore":
                wanted.update(f"hubcore.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.ImportFrom | ast.Import):
                names = (
                    [node.module]
                    if isinstance(node, ast.ImportFrom)
                    else [alias.name for alias in node.names]
                )
                wanted.update(n for n in names if n and n.startswith("hubcore."))
    seen: set[str] = set()
    while wanted - seen:
        module = sorted(wanted - seen)[0]
        seen.add(module)
        wanted.update(m for m in imported_modules(module_path(module)) if m.startswith("hubcore."))
    return seen


def module_path(module: str) -> Path:
    path = ROOT.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def test_the_local_cloud_reaches_only_the_standard_library_through_the_base() -> None:
    """localcloud runs under /usr/bin/python3, which has no pydantic nor PyYAML of the project:
    a hubcore module it imports may import the standard library and hubcore only."""
    modules = hubcore_modules_of("localcloud")
    assert "hubcore.procfs" in modules
    beyond = {
        module: sorted(
            m
            for m in imported_modules(module_path(module))
            if m.split(".")[0] not in sys.stdlib_module_names | {"hubcore", "__future__"}
        )
        for module in sorted(modules | {"hubcore"})
    }
    assert {module: found for module, found in beyond.items() if found} == {}


def test_the_local_cloud_imports_under_debians_python() -> None:
    """The proof of the rule above: Debian's interpreter, the one scripts/local-cloud runs,
    imports every localcloud module that reads /proc, with the checkout on its path only."""
    done = subprocess.run(
        ["/usr/bin/python3", "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "import localcloud.processes, localcloud.netns", str(ROOT)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


# The OpenStack SDK and its authentication library: hubctl imports them in its cloud seam's
# OpenStack implementation only (hubctl/cloud/openstack/; issue 21, item 4).
CLOUD_CLIENTS = ("openstack", "keystoneauth1")


def test_only_the_cloud_seam_imports_the_openstack_sdk() -> None:
    seam = ROOT / "hubctl" / "cloud" / "openstack"
    importing = {
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "hubctl").rglob("*.py"))
        if seam not in path.parents
        and any(
            m == client or m.startswith(f"{client}.")
            for m in imported_modules(path)
            for client in CLOUD_CLIENTS
        )
    }
    assert not importing, f"import the cloud seam (hubctl.cloud), not the SDK: {sorted(importing)}"


def test_the_import_reader_sees_imports_inside_functions(tmp_path: Path) -> None:
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from infra.program import main\n    import hubctl.cli\n")
    assert imported_modules(source) == {"infra.program", "hubctl.cli"}


def test_the_policy_pack_does_not_import_the_program() -> None:
    program = {"infra"}
    for file, rooms in room_imports("policies").items():
        assert not rooms & program, f"{file} imports the program it judges"


def test_every_room_is_a_package() -> None:
    for room in ROOMS:
        assert (ROOT / room / "__init__.py").is_file(), room


def test_the_rule_registry_is_a_leaf_that_imports_no_rule_module() -> None:
    """Rules import the registry; the registry never imports them (no cycle)."""
    registry = ROOT / "policies" / "registry.py"
    rules = {m for m in imported_modules(registry) if m.startswith("policies.rules")}
    assert rules == set(), f"policies/registry.py imports {sorted(rules)}"


def test_every_rule_family_is_named_by_its_module() -> None:
    """Every family is a package, and a rule lives in its module named after it: the
    parameterised ones too (audit, exposure's administration ports), never in the family's
    __init__.py or common.py."""
    from policies.registry import rule_module_name
    from policies.rules import all_rules

    for rule in all_rules():
        module = rule.check.__module__
        expected = f"policies.rules.{rule.family}.{rule_module_name(rule.id, rule.family)}"
        assert module == expected, (rule.id, module)
        assert rule.id.startswith(rule.family + "-"), rule.id


RULES = ROOT / "policies" / "rules"


def rule_modules_imported(source: str, package: str) -> set[str]:
    """The modules under policies.rules a file of `package` imports, named under it (`crypto`,
    `qualification.common`), however spelled: `from policies.rules import crypto`, relative
    imports (`from .. import crypto`) included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [base])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(
            name.removeprefix("policies.rules.")
            for name in names
            if name.startswith("policies.rules.")
        )
    return found


def test_a_rule_family_imports_no_other_family() -> None:
    """Families share through the modules of policies/rules that register no rule (common.py,
    topology.py), never through each other: a family can be split, moved or removed without
    touching another. Checked for every module of a family (each module of the package
    rules/<family>/) and for the shared modules; the package's __init__ imports every family,
    which is its job."""
    from policies.rules import all_rules

    families = {rule.family for rule in all_rules()}
    offending: dict[str, list[str]] = {}
    for path in sorted(RULES.rglob("*.py")):
        own = path.relative_to(RULES).parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        package = ".".join(path.parent.relative_to(ROOT).parts)
        imported = rule_modules_imported(path.read_text(encoding="utf-8"), package)
        others = sorted({name.split(".")[0] for name in imported} & families - {own})
        if others:
            offending[str(path.relative_to(ROOT))] = others
    assert not offending, f"rule modules importing another family: {offending}"


def test_the_family_import_reader_sees_every_spelling() -> None:
    source = (
        "from policies.rules import crypto\n"
        "from policies.rules.exposure import read_rule\n"
        "import policies.rules.stack\n"
        "from . import common\n"
        "from .. import region\n"
        "from ..topology import as_list\n"
        "from policies.model import Context\n"
        "def lazy():\n"
        "    from policies.rules.audit import AUDIT_RULES\n"
    )
    found = rule_modules_imported(source, "policies.rules.airlock")
    assert {name.split(".")[0] for name in found} == {
        "crypto",
        "exposure",
        "stack",
        "airlock",
        "region",
        "topology",
        "audit",
    }
    assert "airlock.common" in found


def module_files() -> dict[str, Path]:
    """Every module of every room by its dotted name (a package by its own name)."""
    modules: dict[str, Path] = {}
    for room in ROOMS:
        for path in (ROOT / room).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """For each module, the modules of the rooms it imports (`from pkg import mod` names the
    module `pkg.mod`; `from mod import name`, the module `mod`)."""

    def module_of(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found: set[str | None] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(module_of(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.update(module_of(f"{node.module}.{alias.name}") for alias in node.names)
        graph[name] = {module for module in found if module and module != name}
    return graph


def circles(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """Each circle a depth-first walk meets, as the path that closes it."""
    done: set[str] = set()
    for start in sorted(graph):
        yield from _walk(graph, start, [], done)


def _walk(
    graph: dict[str, set[str]], module: str, path: list[str], done: set[str]
) -> Iterator[list[str]]:
    if module in path:
        yield [*path[path.index(module) :], module]
        return
    if module in done:
        return
    path.append(module)
    for target in sorted(graph[module]):
        yield from _walk(graph, target, path, done)
    path.pop()
    done.add(module)


def test_no_module_imports_itself_through_others() -> None:
    found = list(circles(import_graph(module_files())))
    assert not found, "import circles: " + "; ".join(" -> ".join(c) for c in found)


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert list(circles(graph)) == [["a", "b", "c", "a"]]
    assert list(circles({"a": {"b"}, "b": set()})) == []


# Where the local cloud's state folder is: LOCAL_CLOUD_DIR, this checkout's own .local-cloud, or
# the cloud another checkout recorded in this network namespace (localcloud.layout.default_layout).
# A module that guesses it from the first two alone reads a folder that does not exist in a fresh
# clone next to a site `make up` deployed, as CI's is.
CLOUD_FOLDER_RESOLVER = "localcloud/layout.py"


def cloud_folder_guesses(path: Path) -> list[int]:
    """Lines of `path` that read LOCAL_CLOUD_DIR from the environment or join '.local-cloud'
    onto a path, rather than asking localcloud.layout."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines: list[int] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.expr):
            continue
        reads_variable = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "getenv")
            and any(isinstance(a, ast.Constant) and a.value == "LOCAL_CLOUD_DIR" for a in node.args)
        ) or (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and isinstance(node.slice, ast.Constant)
            and node.slice.value == "LOCAL_CLOUD_DIR"
        )
        joins_folder = (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and isinstance(node.right, ast.Constant)
            and node.right.value == ".local-cloud"
        )
        if reads_variable or joins_folder:
            lines.append(node.lineno)
    return sorted(set(lines))


def test_only_localcloud_layout_says_where_the_clouds_folder_is() -> None:
    guesses = found_in(
        (*ROOMS, "tests", "scripts"),
        cloud_folder_guesses,
        lambda relative: (
            relative == CLOUD_FOLDER_RESOLVER or Path(relative).name.startswith("test_localcloud")
        ),
    )
    assert not guesses, (
        "these modules guess the local cloud's folder; ask localcloud.layout.default_layout() "
        f"(it also finds a cloud another checkout started): {guesses}"
    )


def test_the_cloud_folder_reader_sees_each_way_of_guessing(tmp_path: Path) -> None:
    source = tmp_path / "guess.py"
    source.write_text(
        "import os\nfrom pathlib import Path\n"
        "a = os.environ.get('LOCAL_CLOUD_DIR')\n"
        "b = os.getenv('LOCAL_CLOUD_DIR', '.local-cloud')\n"
        "c = os.environ['LOCAL_CLOUD_DIR']\n"
        "d = Path('/repo') / '.local-cloud'\n"
        "os.environ['LOCAL_CLOUD_DIR'] = 'set, not read'\n"
        "e = {'LOCAL_CLOUD_DIR': 'passed to a child, not read'}\n"
    )
    assert cloud_folder_guesses(source) == [3, 4, 5, 6]


# Calls on the OpenStack SDK's connection (its service proxies, its session, its token's ids)
# outside the seam's implementation, module by module: none are left (issue 21's item 4). A
# module that starts calling the SDK fails; a call that must stay outside the seam would be
# listed here with its count, so that the list stays the truth.
SDK_PROXIES = frozenset(
    {"compute", "network", "block_storage", "key_manager", "object_store", "identity", "image",
     "load_balancer", "session"}
)  # fmt: skip
SDK_IDS = frozenset({"current_project_id", "current_user_id"})
# A dict field that happens to share a proxy's name (a server's `image`, a record's `identity`).
DICT_READS = frozenset({"get", "items", "keys", "values"})
SDK_CALLS_LEFT: dict[str, int] = {}


def sdk_calls(path: Path) -> int:
    """How many times `path` reaches into an SDK connection: `<x>.<proxy>.<anything>` or
    `<x>.current_project_id` / `current_user_id`."""
    count = 0
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Attribute):
            continue
        if isinstance(node.value, ast.Attribute) and node.value.attr in SDK_PROXIES:
            if not (node.value.attr in {"identity", "image"} and node.attr in DICT_READS):
                count += 1
        elif node.attr in SDK_IDS:
            count += 1
    return count


def test_the_sdk_is_reached_outside_the_seam_only_where_it_is_left() -> None:
    found = found_in(
        ("hubctl",), sdk_calls, lambda relative: relative.startswith("hubctl/cloud/openstack/")
    )
    assert found == SDK_CALLS_LEFT, (
        "calls on the SDK's connection outside hubctl/cloud/openstack/ changed: ask the seam "
        "(hubctl.cloud) instead, or lower the count here when one went away"
    )


def test_the_type_checker_refuses_a_call_on_a_connection_outside_the_seam(tmp_path: Path) -> None:
    """The counter above reads spellings; the type does the rest. A connection is a
    hubctl.cloud.Connection, which has nothing to call: reaching its session, its config or a
    proxy through a local variable or a call's result is a type error wherever mypy runs (and
    scripts/test runs it)."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from hubctl.cloud import connect_from_env\n"
        "conn = connect_from_env({})\n"
        "session = conn.session\n"
        "auth = connect_from_env({}).config\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         "--cache-dir", str(tmp_path / "cache"), str(probe)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    refused = sorted(set(re.findall(r'"Connection" has no attribute "(\w+)"', done.stdout)))
    assert refused == ["config", "session"], done.stdout + done.stderr


def test_the_sdk_call_counter_sees_proxies_sessions_and_ids(tmp_path: Path) -> None:
    source = tmp_path / "calls.py"
    source.write_text(
        "conn.compute.servers()\n"
        "self.conn.session.get('/x')\n"
        "a = conn.current_project_id\n"
        "b = server.image.get('id')\n"  # a server's image field, not the image service
        "c = record.identity.items()\n"  # an audit record's field
        "d = conn.image.images()\n"
    )
    assert sdk_calls(source) == 4


# The checkout's stacks/ is named in one place. Every other reader asks
# hubcore.stackfiles.stacks_dir() at call time, so $HUB_STACKS_DIR (a reviewer's copy, the tests'
# private one) moves hubctl's reads and writes, the engine's (hubctl.engine_project) and the
# check cache's key together. A default argument bound to the constant would keep writing into
# the checkout.
STACKS_FOLDER_OWNERS = frozenset({"hubcore/stackfiles.py", "hubctl/engine_project.py"})


def stacks_constant_uses(path: Path) -> list[int]:
    """Lines of `path` that name hubcore.stackfiles.STACKS_DIR."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Name) and node.id == "STACKS_DIR")
        or (isinstance(node, ast.Attribute) and node.attr == "STACKS_DIR")
        or (isinstance(node, ast.alias) and node.name == "STACKS_DIR")
    ]
    return sorted(set(lines))


def test_only_stackfiles_names_the_checkouts_stacks_folder() -> None:
    found = found_in(ROOMS, stacks_constant_uses, STACKS_FOLDER_OWNERS.__contains__)
    assert not found, (
        "these modules name the checkout's stacks/ instead of asking "
        f"hubcore.stackfiles.stacks_dir() (which honours $HUB_STACKS_DIR): {found}"
    )


def test_the_stacks_constant_reader_sees_imports_names_and_attributes(tmp_path: Path) -> None:
    source = tmp_path / "uses.py"
    source.write_text(
        "from hubcore.stackfiles import STACKS_DIR\n"
        "import hubcore.stackfiles as s\n"
        "def f(d=STACKS_DIR): ...\n"
        "g = s.STACKS_DIR / 'x'\n"
        "h = 'STACKS_DIR in a string is no use'\n"
    )
    assert stacks_constant_uses(source) == [1, 3, 4]
