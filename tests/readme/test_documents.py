"""What the documentation shows runs as written.

Every shell block of README.md, docs/ and each package's README is run, in the order written,
in a fresh clone, in one terminal per document with a newcomer's environment (what the README
tells them to `eval`, nothing of the test process), against the `local` site the README's own
`make up` deploys (or finds deployed). Each command must exit as the document says: 0, or the
status its trailing `# exit N` comment promises. A block that cannot run is marked before it
with `<!--pytest.mark.skip(reason="...")-->`, and its reason is printed. The tier leaves the
site as it found it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT
from tests.readme.conftest import Terminals
from tests.readme.documents import Block, blocks_of, documents

pytestmark = pytest.mark.readme
# One command's time: `make up` on a new machine installs and builds before it deploys.
COMMAND_SECONDS = 3600.0
SHOWN_LINES = 60


def _blocks() -> list[object]:
    params: list[object] = []
    for document in documents(REPO_ROOT):
        for block in blocks_of(document):
            where = f"{document.relative_to(REPO_ROOT)}:{block.line}"
            params.append(pytest.param(block, id=where, marks=block.marks))
    return params


@pytest.mark.parametrize("block", _blocks())
def test_the_documented_commands_run_as_written(block: Block, terminals: Terminals) -> None:
    document = str(block.document.relative_to(REPO_ROOT))
    if document in terminals.failed:
        pytest.skip(f"{document}: an earlier block failed ({terminals.failed[document]})")
    shell = terminals.shell_for(document)
    for command in block.commands:
        outcome = shell.run(command.text, COMMAND_SECONDS)
        if outcome.status == command.expected:
            continue
        terminals.failed[document] = f"line {command.line}"
        tail = "\n".join(outcome.output.splitlines()[-SHOWN_LINES:])
        got = "no exit: killed" if outcome.status is None else f"exit {outcome.status}"
        pytest.fail(
            f"{document}:{command.line}: `{command.text}` gave {got} after "
            f"{outcome.seconds:.0f} s, the document says exit {command.expected}.\n"
            f"Its last {SHOWN_LINES} lines:\n{tail}\n"
            f"(whole transcript: reports/readme/{document.replace('/', '__')}.log)",
            pytrace=False,
        )


def test_the_tier_runs_in_a_clone_not_in_this_checkout(newcomer_clone: Path) -> None:
    assert newcomer_clone.resolve() != REPO_ROOT.resolve()
    assert (newcomer_clone / "README.md").read_bytes() == (REPO_ROOT / "README.md").read_bytes()
