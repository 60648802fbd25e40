"""How the README tier reads the documentation: which documents, which commands, which exit
status each command promises. Offline: the tier itself runs them (tests/readme)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubcore.paths import REPO_ROOT
from tests.readme.documents import (
    Command,
    DocumentError,
    blocks_of,
    commands_of,
    documents,
    expected_status,
)


def test_the_readme_comes_first_then_docs_then_package_readmes() -> None:
    found = [str(p.relative_to(REPO_ROOT)) for p in documents(REPO_ROOT)]
    assert found[0] == "README.md"
    assert "docs/engine.md" in found
    assert {"localcloud/README.md", "policies/README.md", "tests/host/README.md"} <= set(found)
    assert found.index("docs/engine.md") < found.index("localcloud/README.md")
    assert not [name for name in found if ".venv" in name or "node_modules" in name]


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("hubctl check --stack prod-network", 0),
        ("hubctl check --stack x -c openstack:region=UK1   # exit 1: a violation", 1),
        ("hubctl up --site nowhere  # exit 2", 2),
        ("hubctl up --site local   # the main job: exit 2 is not promised here", 0),
        ("hubctl check --baseline b.json   # exit 1 only on a new mandatory finding", 0),
        ("hubctl check --stack x   # exit 1:a violation", 1),
        ("echo '# exit 3'", 0),
        ('echo "a # exit 4"', 0),
        ("echo a#exit 5", 0),
        ("false ;# exit 1", 1),
    ],
)
def test_the_promised_exit_status_is_a_trailing_comment_exit_n_alone_or_with_a_colon(
    line: str, status: int
) -> None:
    assert expected_status(line) == status


def test_continued_lines_are_one_command_at_the_line_where_it_starts() -> None:
    code = "# a comment\n\nmake up\npytest tests/host \\\n    --role data   # exit 1\nls\n"
    assert commands_of(code, 10) == [
        Command("make up", 12),
        Command("pytest tests/host --role data   # exit 1", 13, 1),
        Command("ls", 15),
    ]


def test_a_block_ending_inside_a_continued_command_is_refused() -> None:
    with pytest.raises(DocumentError, match="continued command"):
        commands_of("make \\\n", 1)


def test_an_unclosed_quote_is_refused() -> None:
    with pytest.raises(DocumentError, match="unclosed"):
        commands_of("echo 'oops\n", 1)


def test_only_shell_blocks_are_read_with_their_skip_reasons(tmp_path: Path) -> None:
    document = tmp_path / "doc.md"
    document.write_text(
        "# Title\n\n```sh\nmake up\n```\n\n```text\nnot a command\n```\n\n"
        '<!--pytest.mark.skip(reason="needs a real OVH account")-->\n\n'
        "```bash\nhubctl up --site prod\n```\n",
        encoding="utf-8",
    )
    first, second = blocks_of(document)
    assert (first.line, [c.text for c in first.commands], first.reason_skipped) == (
        3,
        ["make up"],
        None,
    )
    assert second.commands == [Command("hubctl up --site prod", 14)]
    assert second.reason_skipped == "needs a real OVH account"


def test_every_document_with_commands_is_executed() -> None:
    """A document that shows commands in an indented block, which the tier cannot see, or in a
    fence of another name, would escape it: commands are shown in ```sh fences."""
    hidden: list[str] = []
    for document in documents(REPO_ROOT):
        lines = document.read_text(encoding="utf-8").splitlines()
        fenced = False
        for number, line in enumerate(lines, 1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if not fenced and _looks_like_a_command(line, lines[number - 2] if number > 1 else ""):
                hidden.append(f"{document.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert not hidden, "commands outside ```sh fences:\n" + "\n".join(hidden)


def _looks_like_a_command(line: str, previous: str) -> bool:
    """An indented code line (four spaces after a blank line or another code line) that calls
    one of the project's tools."""
    if not line.startswith("    ") or line.lstrip().startswith(("-", "*", "|")):
        return False
    if previous.strip() and not previous.startswith("    "):
        return False
    tools = (".venv/bin/", "scripts/", "make ", "pulumi ", "openstack ", "hubctl ", "eval ")
    return line.strip().startswith(tools)
