"""Baselines for `hubctl check`: record today's findings, then fail only on new ones.

`--write-baseline FILE` records every finding of the run (mandatory and advisory) by its
fingerprint (policies/fingerprint.py, the same one SARIF and Code Quality carry). `--baseline
FILE` then moves the findings the baseline knows out of the way: they are listed, marked
suppressed with the baseline as the reason, and do not fail the run; a mandatory finding it does
not know fails as usual (exit 1); baseline entries of the checked stacks that no longer occur are
listed as fixed. A baseline file that cannot be read, or is not one, is a usage error (exit 2)
naming the file and what is wrong.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hubcore import jsonfile
from hubcore.stacks import StackName
from hubctl.commands.common import EXIT_OK, fail_usage, stderr
from policies.config import Suppression
from policies.evaluate import Report, Violation
from policies.fingerprint import fingerprint

FORMAT_VERSION = 1


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fingerprint: str = Field(pattern=r"^[0-9a-f]{64}$")
    policy: str = Field(min_length=1)
    urn: str = Field(min_length=1)
    message: str
    enforcement: str
    location: str | None = None


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    tool: Literal["hubctl-check"]
    created: datetime
    targets: list[str]
    findings: list[Entry]


@dataclass
class Comparison:
    """A run against a baseline: what is new, what the baseline knows, what has been fixed."""

    source: str
    new: list[Violation] = field(default_factory=list)
    known: list[Violation] = field(default_factory=list)
    fixed: list[Entry] = field(default_factory=list)


def entry_of(violation: Violation) -> Entry:
    return Entry(
        fingerprint=fingerprint(violation),
        policy=violation.policy,
        urn=violation.urn,
        message=violation.message,
        enforcement=violation.enforcement.value,
        location=str(violation.location) if violation.location else None,
    )


def baseline_of(report: Report, now: datetime | None = None) -> Baseline:
    entries = {entry.fingerprint: entry for entry in map(entry_of, report.violations)}
    return Baseline(
        version=FORMAT_VERSION,
        tool="hubctl-check",
        created=now or datetime.now(UTC),
        targets=list(report.targets),
        findings=sorted(entries.values(), key=lambda e: (e.policy, e.urn, e.fingerprint)),
    )


def _where(errors: ValidationError) -> str:
    first = errors.errors()[0]
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
    return f"{path.lstrip('.') or 'the document'}: {first['msg']}"


def load(path: Path) -> Baseline:
    """The baseline in `path`, or one usage error naming the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail_usage(f"--baseline {path}: no such file; write one with --write-baseline {path}")
    except OSError as error:
        fail_usage(f"--baseline {path}: cannot read: {error.strerror}")
    except UnicodeDecodeError as error:
        fail_usage(f"--baseline {path}: not UTF-8 text (byte {error.start})")
    try:  # strict: duplicate keys, deep nesting and huge numbers are refused, not a crash
        data = jsonfile.loads(text)
    except jsonfile.JsonError as error:
        fail_usage(f"--baseline {path}: {error}")
    try:
        return Baseline.model_validate(data)
    except ValidationError as error:
        fail_usage(
            f"--baseline {path}: not a hubctl check baseline (version {FORMAT_VERSION}): "
            f"{_where(error)}"
        )


def write(report: Report, path: Path) -> int:
    """Record the run's findings in `path` (atomically); the number recorded."""
    baseline = baseline_of(report)
    text = baseline.model_dump_json(indent=2) + "\n"
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as error:
        fail_usage(f"--write-baseline {path}: cannot write: {error.strerror}")
    return len(baseline.findings)


def _stack_of(name: str) -> str | None:
    """The stack a report target or a URN names (`prod-network`, `x.json (prod-network)`)."""
    text = name.removeprefix("urn:pulumi:").split("::", 1)[0]
    if text.endswith(")") and " (" in text:
        text = text.rsplit(" (", 1)[1][:-1]
    parsed = StackName.try_parse(text)
    return str(parsed) if parsed else None


def compare(report: Report, baseline: Baseline, source: str) -> Comparison:
    """Split the report's findings by the baseline; a pure function of both."""
    known_prints = {entry.fingerprint for entry in baseline.findings}
    comparison = Comparison(source=source)
    seen: set[str] = set()
    for violation in report.violations:
        mark = fingerprint(violation)
        seen.add(mark)
        (comparison.known if mark in known_prints else comparison.new).append(violation)
    seen |= {fingerprint(v) for v in report.suppressed}
    checked = {_stack_of(target) for target in report.targets} - {None}
    comparison.fixed = [
        entry
        for entry in baseline.findings
        if entry.fingerprint not in seen and _stack_of(entry.urn) in checked
    ]
    return comparison


def apply(report: Report, comparison: Comparison) -> None:
    """Move the findings the baseline knows to the report's suppressed ones, with the reason."""
    reason = f"known to the baseline {comparison.source}"
    report.violations = list(comparison.new)
    report.suppressed = [
        *report.suppressed,
        *(replace(v, suppressed=Suppression(v.policy, v.urn, reason)) for v in comparison.known),
    ]


def describe(comparison: Comparison) -> list[str]:
    lines = [
        f"baseline {comparison.source}: {len(comparison.new)} new, {len(comparison.known)} "
        f"known (listed, not failing), {len(comparison.fixed)} fixed since"
    ]
    lines += [f"  new: {v.policy} on {v.urn}" for v in comparison.new]
    lines += [f"  known: {v.policy} on {v.urn}" for v in comparison.known]
    lines += [f"  fixed: {e.policy} on {e.urn}" for e in comparison.fixed]
    return lines


def use_options(report: Report, baseline: Path | None, write_to: Path | None) -> int | None:
    """What `--baseline` / `--write-baseline` do to a finished run: the exit code they decide
    (writing a baseline accepts today's findings: exit 0), or None to keep the usual one."""
    if baseline is not None and write_to is not None:
        fail_usage("give --baseline FILE or --write-baseline FILE, not both")
    if write_to is not None:
        count = write(report, write_to)
        stderr.print(f"wrote {count} finding(s) to the baseline {write_to}", markup=False)
        return EXIT_OK
    if baseline is not None:
        comparison = compare(report, load(baseline), str(baseline))
        apply(report, comparison)
        for line in describe(comparison):
            stderr.print(line, markup=False, highlight=False, soft_wrap=True)
    return None
