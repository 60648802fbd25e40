"""`hubctl check --stack` at scale: synthesised records and findings kept between runs.

Two caches under .cache/check/ in the repository (git-ignored), each entry named by a digest of
everything its content depends on, so an entry is reused only when none of that changed:

  records   one program run: the program's code and the engine it runs under (hubcore/,
            infra/, synth/, every file), the installed distributions (the Pulumi SDK and
            providers, pydantic, PyYAML, protobuf...), the interpreter, the stack, its layered
            config (values, secret marks, file and line of each) and what of its files the
            values do not hold (the secrets' ciphertext and the keys they are sealed with).
            Large compute layers come from a sample of hosts (synth.sampling): those sample runs
            are cached the same way, so a change of host counts alone synthesises nothing.
  findings  one stack's report: the records' digest, the code of the pack and of hubctl
            (policies/, hubctl/), the registered rules, what the pack is told about the
            stack besides its resources (its site facts, read from the other stacks' files),
            and the pack config.

  Both keys also hold what a verdict depends on outside the files: the day (workspace expiry
  and exemptions are judged on it), the environment the SDK folds into provider inputs and the
  rules judge (OS_*, PULUMI_*: in the site facts), the clouds.yaml entries read, the catalogue,
  the providers' schema snapshot and the pack config.

Entries are JSON data, never code: a record or a report is rebuilt from its fields through
pydantic, so an entry written by someone else can at worst be wrong, never run anything. Each
entry names the key it was made for and carries an HMAC of its content under a key of this
user's (~/.config/hubctl/check-cache.key, mode 0600, made on first use), so an entry copied
from another stack or run (a passing report over a failing one), altered, or forged by whoever
can write the cache folder but not that key is ignored, reported on stderr, and judged again.
Writes are atomic (a temporary file renamed into place), so concurrent runs never read half an
entry. HUBCTL_CHECK_CACHE=off runs without the cache; another value is a directory to keep it
in.
"""

from __future__ import annotations

import dataclasses
import enum
import gc
import hashlib
import hmac
import json
import os
import secrets
import sys
import tempfile
import types
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from hubcore.catalogue import CATALOGUE_FILE
from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import SITES_FILE_NAME, stack_file, stacks_dir
from hubcore.strict_yaml import read_yaml
from hubcore.values import ConfigError, ConfigValue
from infra.config import HubConfig
from policies.config import PackConfig
from policies.evaluate import Report, Violation, evaluate
from policies.rules import all_rules
from policies.schema import SNAPSHOT_FILE, resource_schema
from synth.records import ResourceRecord
from synth.synthesis import PreparedStack, prepare, synthesize_prepared

ENV = "HUBCTL_CHECK_CACHE"
DEFAULT_DIR = REPO_ROOT / ".cache" / "check"
PROGRAM_ROOTS = ("hubcore", "infra", "synth")
CHECK_ROOTS = ("policies", "hubctl")
# Entries kept per kind; the oldest go first. A 2,000-host stack's records take a few MB.
KEEP = 64
# Bumped when the layout of an entry changes.
FORMAT = "hubctl-check-cache/2"
KEY_FILE_ENV = "HUBCTL_CHECK_CACHE_KEY"
MAX_ENTRY_BYTES = 256 << 20
# The variables the OpenStack SDK reads into a provider's inputs when the program leaves a
# setting unset (the schema's config section): a synthesis depends on them.
SDK_ENVIRONMENT = tuple(
    sorted(
        {
            name
            for prop in (resource_schema("pulumi:providers:openstack") or {}).values()
            for name in prop.get("environment", [])
        }
    )
)


def cache_dir() -> Path | None:
    setting = os.environ.get(ENV, "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    return Path(setting) if setting else DEFAULT_DIR


def check_stack(ready: PreparedStack, config: PackConfig) -> Report:
    """The pack's report on a prepared stack (read and validated once by the caller), as
    synthesising and evaluating it gives.

    The cache wraps synthesis from the outside: the findings when nothing they depend on
    changed, else the records, else a synthesis whose program runs are remembered one by one
    (a change of host counts alone runs nothing new)."""
    from hubctl.targets import target_head, with_resources

    stack = ready.stack
    records_key = records_digest(stack, ready.values)
    # The target without its resources: its site facts (from the other stacks' files, the
    # environment, clouds.yaml, the project file), name, fallback location. With the records'
    # digest, it is everything evaluation reads, and the day time-dependent rules judge on.
    head = target_head(stack, ready.values)
    findings_key = _digest(
        "findings",
        records_key,
        check_digest(),
        head,
        config,
        all_rules(),
        datetime.now(UTC).date().isoformat(),
        _file_digest(CATALOGUE_FILE),
        _file_digest(SNAPSHOT_FILE),
    )

    found = _load("findings", findings_key)
    if isinstance(found, Report):
        found.rules = all_rules()
        return found

    target = with_resources(head, prepared_records(ready, records_key))
    # What synthesis and the target leave lives until the report is written: without this the
    # collector rescans it during evaluation, several times over on a large site.
    gc.collect()
    gc.freeze()
    report = evaluate(target, config)
    _store("findings", findings_key, dataclasses.replace(report, rules=[]))
    return report


def stack_records(stack: str) -> list[ResourceRecord]:
    """What the program declares for `stack` (each resource with its declaring line), from the
    cache when nothing it depends on changed; raises ConfigError on a bad config."""
    ready = prepare(stack)
    return prepared_records(ready, records_digest(stack, ready.values))


def prepared_records(ready: PreparedStack, records_key: str) -> list[ResourceRecord]:
    """The records of a prepared stack: kept under `records_key`, else synthesised."""
    records = _load("records", records_key)
    if _is_records(records):
        found: list[ResourceRecord] = records
        return found
    synthesised = synthesize_prepared(ready, runner=cached_run).resources
    _store("records", records_key, synthesised)
    return synthesised


def cached_run(
    stack: str, config: HubConfig, values: dict[str, ConfigValue]
) -> list[ResourceRecord]:
    """One program run under mocks, remembered by the digest of what it depends on."""
    from synth.synthesis import run_mocked

    key = records_digest(stack, values)
    found = _load("records", key)
    if _is_records(found):
        cached: list[ResourceRecord] = found
        return cached
    records = run_mocked(stack, config, values)
    _store("records", key, records)
    return records


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(r, ResourceRecord) for r in value)


# --------------------------------------------------------------------------------------------
# Digests


def records_digest(stack: str, values: Mapping[str, ConfigValue]) -> str:
    """What one program run depends on: the code, the stack's config and files, and the
    environment variables the SDK reads into provider inputs."""
    environment = {name: os.environ.get(name) for name in SDK_ENVIRONMENT}
    return _digest("records", program_digest(), stack, values, stack_files(stack), environment)


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


@cache
def program_digest() -> str:
    """The program's code and data, the installed distributions and the interpreter."""
    return _digest("program", _tree_digest(PROGRAM_ROOTS), _environment())


@cache
def check_digest() -> str:
    """The pack's and hubctl's code and data (the program's is in the records' digest)."""
    return _digest("check", _tree_digest(CHECK_ROOTS))


def stack_files(stack: str) -> list[Any]:
    """What of the files the stack's layered config is read from the values do not hold: the
    secrets' ciphertext (offline synthesis sees a placeholder) and the keys they are sealed
    with (encryptionsalt, secretsprovider...). A changed secret is a change a reviewer expects
    judged again. Everything else in the files reaches the key as the layered values already
    (each value, secret mark, file and line), so an edit of one value, a host count say,
    changes that value and nothing more: the sample runs of a large compute layer stay valid."""
    found: list[Any] = []
    for path in (stacks_dir() / SITES_FILE_NAME, stack_file(stack)):
        if not path.exists():
            found.append(None)
            continue
        try:
            document = read_yaml(path, "stack file", raw=True)
        except ConfigError:
            found.append(_file_digest(path))
            continue
        if not isinstance(document, dict):
            found.append(repr(document))
            continue
        outside = {str(k): v for k, v in document.items() if k != "config"}
        sealed = sorted(_sealed(document.get("config"), ""))
        found.append(json.loads(json.dumps([outside, sealed], sort_keys=True, default=str)))
    return found


def _sealed(node: Any, path: str) -> Iterable[tuple[str, str]]:
    """Every `secure:` ciphertext under `node`, with the path that leads to it."""
    if isinstance(node, dict):
        if "secure" in node:
            yield path, str(node["secure"])
            return
        for key, value in node.items():
            yield from _sealed(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _sealed(value, f"{path}[{index}]")


def _tree_digest(roots: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted((REPO_ROOT / root).rglob("*")):
            if "__pycache__" in path.parts or not path.is_file() or path.suffix == ".pyc":
                continue
            digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _environment() -> list[str]:
    """The interpreter and every distribution installed beside the SDK, by name and version."""
    import yaml

    found = [sys.version, f"libyaml={getattr(yaml, '__with_libyaml__', False)}"]
    for entry in sorted({str(Path(p)) for p in sys.path if p}):
        directory = Path(entry)
        if directory.is_dir() and directory.name in ("site-packages", "dist-packages"):
            found.extend(
                f"{entry}/{name}"
                for name in sorted(os.listdir(directory))
                if name.endswith((".dist-info", ".egg-info"))
            )
    return found


def _digest(*parts: Any) -> str:
    text = json.dumps([_canonical(part) for part in parts], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    """A JSON form that is the same for equal values in any process (sets sorted, types named)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return [type(value).__name__, _canonical(value.value)]
    if isinstance(value, BaseModel):
        return [type(value).__name__, {k: _canonical(getattr(value, k)) for k in value.__dict__}]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return [type(value).__name__, fields]
    if isinstance(value, Mapping):
        return [[_canonical(k), _canonical(v)] for k, v in value.items()]
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=json.dumps)
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    code = getattr(value, "__code__", None)
    if callable(value) and code is not None:
        # A rule's check: by name and compiled body, so a rule swapped in memory (a test's
        # registry) keys differently from the one on disk.
        return ["function", value.__module__, value.__qualname__, _code_digest(code)]
    raise TypeError(f"no canonical form for {type(value).__name__}: cannot key the check cache")


def _code_digest(code: types.CodeType) -> str:
    """A compiled body by its bytecode and constants, nested functions' bodies included (their
    code objects' repr carries a memory address, different in every process)."""
    digest = hashlib.sha256(code.co_code)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            digest.update(_code_digest(constant).encode())
        else:
            digest.update(repr(constant).encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# Entries


def _path(kind: str, key: str) -> Path | None:
    directory = cache_dir()
    return None if directory is None else directory / kind / f"{key}.json"


def report_problem(message: str) -> None:
    """Where an entry that was not used is reported: stderr, never the report itself."""
    print(f"hubctl check: {message}", file=sys.stderr)


def _mac_key() -> bytes:
    """This user's key for the entries' HMAC, made (0600) on first use."""
    configured = os.environ.get(KEY_FILE_ENV)
    path = (
        Path(configured) if configured else Path.home() / ".config" / "hubctl" / "check-cache.key"
    )
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()  # another run made it first
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


def _mac(kind: str, key: str, body: str) -> str:
    return hmac.new(_mac_key(), f"{FORMAT}\0{kind}\0{key}\0{body}".encode(), "sha256").hexdigest()


_VIOLATIONS: TypeAdapter[list[Violation]] = TypeAdapter(list[Violation])
_RECORDS: TypeAdapter[list[ResourceRecord]] = TypeAdapter(list[ResourceRecord])


def _encode(kind: str, value: Any) -> Any:
    if kind == "records":
        return _RECORDS.dump_python(value, mode="json")
    if isinstance(value, Report):
        return {
            "targets": value.targets,
            "resources": value.resources,
            "violations": _VIOLATIONS.dump_python(value.violations, mode="json"),
            "suppressed": _VIOLATIONS.dump_python(value.suppressed, mode="json"),
        }
    raise TypeError(f"no JSON form for a {kind} entry of {type(value).__name__}")


def _decode(kind: str, payload: Any) -> Any:
    if kind == "records":
        return _RECORDS.validate_python(payload)
    return Report(
        targets=list(payload["targets"]),
        resources=int(payload["resources"]),
        violations=_VIOLATIONS.validate_python(payload["violations"]),
        suppressed=_VIOLATIONS.validate_python(payload["suppressed"]),
    )


def _load(kind: str, key: str) -> Any:
    """The entry's content, or None when it is absent, unreadable, or not this key's own."""
    path = _path(kind, key)
    if path is None:
        return None
    try:
        if path.stat().st_size > MAX_ENTRY_BYTES:
            report_problem(f"cache entry {path} is over {MAX_ENTRY_BYTES >> 20} MiB: ignored")
            return None
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        report_problem(f"cache entry {path} cannot be read back whole: ignored, judged again")
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        report_problem(f"cache entry {path} is not a {FORMAT} entry: ignored, judged again")
        return None
    body = document.get("body")
    if document.get("kind") != kind or document.get("key") != key or not isinstance(body, str):
        report_problem(
            f"cache entry {path} was made for another key (copied from another stack or "
            "run?): ignored, the stack is judged again"
        )
        return None
    if not hmac.compare_digest(str(document.get("mac", "")), _mac(kind, key, body)):
        report_problem(
            f"cache entry {path} does not carry this user's seal (altered, or written by "
            "someone else): ignored, the stack is judged again"
        )
        return None
    try:
        return _decode(kind, json.loads(body))
    except (ValueError, KeyError, TypeError, ValidationError):
        report_problem(f"cache entry {path} does not hold a {kind} entry: ignored")
        return None


def _store(kind: str, key: str, value: Any) -> None:
    """Write the entry atomically; a cache that cannot be written only costs the next run."""
    path = _path(kind, key)
    if path is None:
        return
    body = json.dumps(_encode(kind, value), separators=(",", ":"))
    document = {"format": FORMAT, "kind": kind, "key": key, "mac": _mac(kind, key, body)}
    text = json.dumps({**document, "body": body})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(path.parent)
    except OSError:
        return


def _prune(directory: Path) -> None:
    entries = []
    for entry in directory.glob("*.json"):
        try:
            entries.append((entry.stat().st_mtime, entry))
        except OSError:
            continue
    for _, entry in sorted(entries, reverse=True)[KEEP:]:
        entry.unlink(missing_ok=True)
