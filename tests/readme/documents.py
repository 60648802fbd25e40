"""The documentation a newcomer follows, as the README tier runs it: documents, blocks, commands.

pytest-codeblocks reads the Markdown (fenced blocks, their line numbers and the
`<!--pytest.mark.skip(reason="...")-->` comments before them). This module only says which
documents are executed, in which order, and how a shell block is cut into the commands a person
types, each with the exit status the document promises: 0, unless the command ends with a
comment that is `# exit N` or starts `# exit N:` (`hubctl check --stack staging-network -c
openstack:region=UK1   # exit 1: a violation`).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_codeblocks import extract_from_file

SHELL_SYNTAXES = frozenset({"sh", "bash", "shell"})
# Where package READMEs are not looked for: tools, caches and third-party trees.
NOT_DOCUMENTATION = (".venv", ".toolchain", ".local-cloud", ".cache", ".state", "node_modules",
                     ".git", "reports")  # fmt: skip
# `# exit 2` or `# exit 2: why`; a comment that merely mentions an exit status promises nothing.
EXPECTED_STATUS = re.compile(r"exit (\d{1,3})(?::|\s*$)")


class DocumentError(Exception):
    """A block the tier cannot run as written (an unclosed quote, a bad marker)."""


@dataclass(frozen=True)
class Command:
    """One command as a person types it (continuation lines joined), and where it is."""

    text: str
    line: int
    expected: int = 0


@dataclass
class Block:
    document: Path
    line: int
    commands: list[Command]
    marks: list[Any] = field(default_factory=list)

    @property
    def reason_skipped(self) -> str | None:
        for mark in self.marks:
            if mark.name == "skip":
                return str(mark.kwargs.get("reason") or (mark.args or ("",))[0])
        return None


def documents(root: Path) -> list[Path]:
    """The README first (it holds `make up`), then docs/, then every package's README."""
    found = [root / "README.md"]
    found += sorted((root / "docs").rglob("*.md"))
    found += sorted(
        path
        for path in root.rglob("README.md")
        if path != root / "README.md"
        and not any(part in NOT_DOCUMENTATION for part in path.relative_to(root).parts)
    )
    return [path for path in found if path.is_file()]


def trailing_comment(line: str) -> str | None:
    """The comment that ends a shell line, outside quotes, or None."""
    quote: str | None = None
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t;"):
            return line[index + 1 :].strip()
    if quote:
        raise DocumentError(f"unclosed {quote} quote in: {line}")
    return None


def expected_status(line: str) -> int:
    comment = trailing_comment(line)
    if comment is None:
        return 0
    found = EXPECTED_STATUS.match(comment)
    return int(found.group(1)) if found else 0


def commands_of(code: str, first_line: int) -> list[Command]:
    """The block's commands: one per line, `\\`-continued lines joined, comments and blank
    lines left out (the shell would ignore them too)."""
    found: list[Command] = []
    pending: list[str] = []
    start = first_line
    for offset, line in enumerate(code.splitlines()):
        if not pending:
            start = first_line + offset
            if not line.strip() or line.lstrip().startswith("#"):
                continue
        if line.rstrip().endswith("\\") and trailing_comment(line) is None:
            pending.append(line.rstrip()[:-1])
            continue
        pending.append(line)
        text = " ".join(part.strip() for part in pending)
        found.append(Command(text, start, expected_status(pending[-1])))
        pending = []
    if pending:
        raise DocumentError(f"line {start}: the block ends inside a continued command")
    return found


def blocks_of(document: Path) -> list[Block]:
    """Every shell block of the document, in order, with its commands and its marks."""
    blocks: list[Block] = []
    for found in extract_from_file(document):
        if (found.syntax or "").strip() not in SHELL_SYNTAXES:
            continue
        # pytest-codeblocks gives the line of the opening fence; the code starts one below.
        try:
            marks = [eval(mark, {"sys": sys, "pytest": pytest}) for mark in found.marks]
        except Exception as error:
            raise DocumentError(f"{document}:{found.lineno}: bad marker: {error}") from error
        blocks.append(
            Block(
                document,
                found.lineno,
                commands_of(found.code, found.lineno + 1),
                [getattr(mark, "mark", mark) for mark in marks],
            )
        )
    return blocks
