"""docs/extending.md, the recipes for a region, a rule, a layer, a cloud and a report format,
names files to touch and tests that fail when one is forgotten: every file it names exists, and
every test it names by `file::test` is defined in that file. Paths with a placeholder
(`infra/layers/<layer>.py`) name a file to create and are not looked for."""

from __future__ import annotations

import re

import pytest

from hubcore.paths import REPO_ROOT

DOC = REPO_ROOT / "docs" / "extending.md"
# A backticked repository path: folders joined by '/', ending in a file with an extension,
# optionally followed by ::name of a test or a definition in it.
NAMED = re.compile(
    r"`((?:[\w.\-<>]+/)+[\w.\-<>]+\.(?:py|md|yaml|yml|json|txt|j2|toml|sh))(?:::(\w+))?`"
)


def _named() -> list[tuple[str, str | None]]:
    found = {
        (path, name or None) for path, name in NAMED.findall(DOC.read_text()) if "<" not in path
    }
    return sorted(found, key=lambda item: (item[0], item[1] or ""))


def test_the_recipes_name_files() -> None:
    # The pattern finds what the recipes name; a pattern that finds nothing checks nothing.
    assert len({path for path, _ in _named()}) >= 40


@pytest.mark.parametrize(("path", "name"), _named(), ids=lambda v: v or "")
def test_every_file_and_test_the_recipes_name_exists(path: str, name: str | None) -> None:
    target = REPO_ROOT / path
    assert target.is_file(), f"docs/extending.md names {path}, which does not exist"
    if name is not None:
        assert re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{name}\b|^{name}\s*[:=]",
                         target.read_text(), re.M), f"{path} defines no {name}"  # fmt: skip
