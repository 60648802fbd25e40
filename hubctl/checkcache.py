"""`hubctl check --stack` at scale: synthesised records and findings kept between runs.

Two caches under .cache/check/ in the repository (git-ignored), each entry named by a digest of
everything its content depends on, so an entry is reused only when none of that changed:

  records   one program run: the program's code (hubcore/, infra/, every file), the installed
            distributions (the Pulumi SDK and providers, pydantic, PyYAML, protobuf...), the
            interpreter, the stack, its layered config (values, secret marks, file and line of
            each) and what of its files the values do not hold (the secrets' ciphertext and
            the keys they are sealed with).
            Large compute layers come from a sample of hosts (infra.shapes): those sample runs
            are cached the same way, so a change of host counts alone synthesises nothing.
  findings  one stack's report: the records' digest, the code of the pack and of hubctl
            (policies/, hubctl/), the registered rules, what the pack is told about the
            stack besides its resources (its site facts, read from the other stacks' files),
            and the pack config.

Writes are atomic (a temporary file renamed into place), so concurrent runs never read half an
entry; an entry that cannot be read back whole (truncated, altered, from another version) is
ignored and rebuilt. HUBCTL_CHECK_CACHE=off runs without the cache; another value is a
directory to keep it in.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import date
import gc
import hashlib
import json
import os
import pickle
import sys
import tempfile
import types
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from hubcore.stackfiles import (
    REPO_ROOT,
    SITES_FILE_NAME,
    STACKS_DIR,
    load_layered_config,
    stack_file,
)
from hubcore.values import ConfigValue
from infra.config import HubConfig, validate_config
from infra.synth import ResourceRecord, SynthResult, synthesize_fast
from policies.config import PackConfig
from policies.evaluate import Report, evaluate
from policies.rules import all_rules

ENV = "HUBCTL_CHECK_CACHE"
DEFAULT_DIR = REPO_ROOT / ".cache" / "check"
PROGRAM_ROOTS = ("hubcore", "infra")
CHECK_ROOTS = ("policies", "hubctl")
# Entries kept per kind; the oldest go first. A 2,000-host stack's records take a few MB.
KEEP = 64
# Bumped when the layout of an entry changes.
FORMAT = b"hubctl-check-cache/1\n"


def cache_dir() -> Path | None:
    setting = os.environ.get(ENV, "")
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    return Path(setting) if setting else DEFAULT_DIR


def check_stack(stack: str, overrides: Mapping[str, str], config: PackConfig) -> Report:
    """The pack's report on `stack`, as synthesising and evaluating it gives; raises
    ConfigError for a bad config exactly as synthesis does."""
    from hubctl.sources import target_of_synth

    values = load_layered_config(stack, dict(overrides))
    validate_config(stack, values)  # a bad config is an error whatever the cache holds
    records_key = _digest("records", program_digest(), stack, values, stack_files(stack))
    # The target without its resources: its site facts (from the other stacks' files), name,
    # fallback location. With the records' digest, it is everything evaluation reads.
    head = target_of_synth(SynthResult(stack=stack, resources=[], config=values))
    findings_key = _digest("findings", records_key, check_digest(), head, config, all_rules())

    found = _load("findings", findings_key)
    if isinstance(found, Report):
        found.rules = all_rules()
        return found

    records = _load("records", records_key)
    if not _is_records(records):
        records = synthesize_fast(stack, dict(overrides), runner=cached_run).resources
        _store("records", records_key, records)
    result = SynthResult(stack=stack, resources=records, config=values)
    target = target_of_synth(result)
    # What synthesis and the target leave lives until the report is written: without this the
    # collector rescans it during evaluation, several times over on a large site.
    gc.collect()
    gc.freeze()
    report = evaluate(target, config)
    _store("findings", findings_key, dataclasses.replace(report, rules=[]))
    return report


def cached_run(
    stack: str, config: HubConfig, values: dict[str, ConfigValue]
) -> list[ResourceRecord]:
    """One program run under mocks, remembered by the digest of what it depends on."""
    from infra.synth import run_mocked

    key = _digest("records", program_digest(), stack, values, stack_files(stack))
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
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    found: list[Any] = []
    for path in (STACKS_DIR / SITES_FILE_NAME, stack_file(stack)):
        try:
            # Read by the strict reader first (load_layered_config): no alias bomb gets here.
            document = yaml.load(path.read_bytes(), Loader=loader)
        except OSError:
            found.append(None)
            continue
        except yaml.YAMLError:
            found.append(hashlib.sha256(path.read_bytes()).hexdigest())
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
    return None if directory is None else directory / kind / f"{key}.pickle"


def _load(kind: str, key: str) -> Any:
    """The entry's object, or None when it is absent or cannot be read back whole."""
    path = _path(kind, key)
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = len(FORMAT) + 32
    if len(data) < header or not data.startswith(FORMAT):
        return None
    payload = data[header:]
    if hashlib.sha256(payload).digest() != data[len(FORMAT) : header]:
        return None
    try:
        return pickle.loads(payload)
    except Exception:  # an entry from another version of a class: rebuilt, never fatal
        return None


def _store(kind: str, key: str, value: Any) -> None:
    """Write the entry atomically; a cache that cannot be written only costs the next run."""
    path = _path(kind, key)
    if path is None:
        return
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(FORMAT + hashlib.sha256(payload).digest() + payload)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(path.parent)
    except OSError:
        return


def _prune(directory: Path) -> None:
    entries = []
    for entry in directory.glob("*.pickle"):
        try:
            entries.append((entry.stat().st_mtime, entry))
        except OSError:
            continue
    for _, entry in sorted(entries, reverse=True)[KEEP:]:
        entry.unlink(missing_ok=True)
