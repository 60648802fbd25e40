"""Generated stack files, sites.yaml and `-c` values: exit 0, 1 or 2, no traceback, no hang.

Each example mutates a copy of the shipped stacks/ (read through HUB_STACKS_DIR): lines added,
dropped, doubled or re-indented, values replaced by generated scalars, hostile fragments
(aliases, merges, tags, secure values, odd bytes) spliced in. The reader is driven directly for
many examples (it must raise ConfigError or answer), and `hubctl check --stack` for fewer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import load_layered_config
from hubcore.values import ConfigError
from infra.config import validate_config
from tests.hubctl_runner import run_hubctl
from tests.property.contract import assert_contract, environment, hang_guard, hubctl

pytestmark = pytest.mark.property

STACK = "staging-storage"  # the quickest shipped stack to synthesise
STACK_FILE = f"Pulumi.{STACK}.yaml"
SHIPPED_SITES = (REPO_ROOT / "stacks/sites.yaml").read_text(encoding="utf-8")
SHIPPED_STACK = (REPO_ROOT / "stacks" / STACK_FILE).read_text(encoding="utf-8")
KEYS = [
    "openstack:region", "openstack:authUrl", "openstack:cloud", "openstack:insecure",
    "hub:classification", "hub:production", "hub:owner", "hub:drSite", "hub:networkCidr",
    "hub:adminCidrs", "hub:volumeType", "hub:sizes", "hub:datasets", "hub:tls", "hub:replicaRegion",
    "hub:stateBackend", "hub:secretsProvider", "hub:aptProxy", "region", "<<", "secure",
]  # fmt: skip
FRAGMENTS = [
    "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    "x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    "x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
    "x-e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    "x-m: &m {<<: *m}",
    "x-loop: &loop [*loop]",
    "  <<: *defaults",
    "  <<: [*defaults, *defaults]",
    "    <<: *e",
    "configs:",
    "config: 3",
    "encryptionsalt: 42",
    "  openstack:authUrl: {secure: not-ciphertext}",
    "  openstack:authUrl:\n    secure: v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==",
    "  hub:owner: !!python/object/apply:os.system [true]",
    "  hub:owner: !!binary aGVsbG8=",
    "  hub:production: yes",
    "  hub:sizes: {app: {flavor: b3-8, count: 1_000}}",
    "  hub:owner: 2026-12-01",
    "  hub:owner:",
    "  hub:owner: ''",
    "  ? [a, b]\n  : c",
    "  hub:datasets: " + "[" * 300 + "]" * 300,
    "  hub:owner: [bold]x[/]",
    "  openstack:region: '[secret]'",
    "  openstack:region: ' GRA11 '",
    "  openstack:region: UK1",
    "  openstack:region: us-east-1",
    "--- ",
    "...",
    "%YAML 1.1",
    "\t- tab",
    "  hub:owner: \u202eevil",
]
SCALARS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["~", "null", "yes", "no", "on", "0x1F", "017", "1e5", ".inf", "'", '"', "|"]),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    """`text` with a few generated edits, as bytes (some not UTF-8)."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        edit = draw(st.sampled_from(["insert", "fragment", "drop", "double", "indent", "value"]))
        if edit == "insert":
            key = draw(st.sampled_from(KEYS) | st.text(max_size=12))
            indent = draw(st.sampled_from(["", "  ", "    ", "      "]))
            lines.insert(at, f"{indent}{key}: {draw(SCALARS)}")
        elif edit == "fragment":
            lines.insert(at, draw(st.sampled_from(FRAGMENTS)))
        elif edit == "drop" and lines:
            lines.pop(at)
        elif edit == "double" and lines:
            lines.insert(at, lines[at])
        elif edit == "indent" and lines:
            lines[at] = " " * draw(st.integers(0, 5)) + lines[at].lstrip()
        elif edit == "value" and lines and ":" in lines[at]:
            lines[at] = lines[at].split(":", 1)[0] + ": " + draw(SCALARS)
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"
    if draw(st.integers(0, 9)) == 0:
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(min_size=1, max_size=4)) + data[cut:]
    return data


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("property") / "stacks"
    shutil.copytree(REPO_ROOT / "stacks", directory)
    return directory


def write(stacks: Path, sites: bytes | None, stack: bytes | None) -> None:
    (stacks / "sites.yaml").write_bytes(sites or SHIPPED_SITES.encode())
    (stacks / STACK_FILE).write_bytes(stack or SHIPPED_STACK.encode())


@settings(max_examples=300)
@given(sites=st.none() | mutated(SHIPPED_SITES), stack=st.none() | mutated(SHIPPED_STACK))
def test_the_reader_answers_or_refuses_with_a_config_error(stacks, sites, stack):
    write(stacks, sites, stack)
    with hang_guard():
        try:
            validate_config(STACK, load_layered_config(STACK, stacks_dir=stacks))
        except ConfigError as error:
            assert str(error).strip()


@settings(max_examples=40)
@given(sites=st.none() | mutated(SHIPPED_SITES), stack=st.none() | mutated(SHIPPED_STACK))
def test_check_on_a_mutated_stack_keeps_the_contract(stacks, sites, stack):
    write(stacks, sites, stack)
    hubctl(["check", "--stack", STACK, "--format", "json"], env={"HUB_STACKS_DIR": str(stacks)})


OVERRIDE_VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["UK1", "us-east-1", "", " GRA11", "[secret]", "[bold]x[/]", "{", "[1,", '{"app": 1}',
         "null", "true", "9" * 5000, "x" * 9000]
    ),
)  # fmt: skip


@settings(max_examples=40)
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from(KEYS) | st.text(max_size=10), OVERRIDE_VALUES),
        max_size=3,
    ),
    raw=st.lists(st.text(max_size=20), max_size=1),
)
def test_check_with_generated_overrides_keeps_the_contract(pairs, raw):
    args = ["check", "--stack", STACK, "--format", "json"]
    for key, value in pairs:
        args += ["-c", f"{key}={value}"]
    for text in raw:  # not necessarily KEY=VALUE
        args += ["-c", text]
    hubctl(args)


@settings(max_examples=3)
@given(stack=mutated(SHIPPED_STACK))
def test_mutated_stacks_through_the_installed_command(stacks, stack):
    """The console script itself, as a person runs it: the same contract."""
    write(stacks, None, stack)
    done = run_hubctl(
        "check", "--stack", STACK, "-f", "json", installed=True, errors="replace",
        env=environment(HUB_STACKS_DIR=str(stacks)),
        # Start-up alone can take seconds on a loaded machine: a hang guard, not a target.
        timeout=120,
    )  # fmt: skip
    assert_contract(done.returncode, done.stderr)
