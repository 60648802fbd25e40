"""Hostile names, by class: each refused with what is wrong, none rewritten."""

from __future__ import annotations

import pytest

from hubctl.airlock.names import RefusedName, check_file_name, check_request_id


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("../etc.csv", "holds a path"),
        ("a/b.csv", "holds a path"),
        ("..", "holds a path"),
        ("a\\b.csv", "holds a path"),
        ("bell\x07.csv", "U+0007"),
        ("new\nline.csv", "U+000A"),
        ("esc\x1b[31m.csv", "U+001B"),
        ("invoice\u202ecsv.exe", "U+202E"),  # right-to-left override
        ("zero\u200dwidth.csv", "U+200D"),
        ("-rf.csv", "starts with '-'"),
        (".hidden.csv", "starts with '.'"),
        ("e\u0301.csv", "NFC"),
        ("", "empty"),
    ],
)
def test_a_hostile_file_name_is_refused(name: str, says: str) -> None:
    with pytest.raises(RefusedName, match=__import__("re").escape(says)):
        check_file_name(name)


def test_a_name_that_is_not_utf8_is_refused_with_its_bytes() -> None:
    with pytest.raises(RefusedName, match="not UTF-8"):
        check_file_name(b"caf\xe9.csv")


@pytest.mark.parametrize(("length", "ok"), [(200, True), (201, False)])
def test_a_name_of_200_bytes_is_the_longest(length: int, ok: bool) -> None:
    name = "a" * (length - 4) + ".csv"
    if ok:
        assert check_file_name(name) == name
    else:
        with pytest.raises(RefusedName, match="longer than 200 bytes"):
            check_file_name(name)


def test_ordinary_names_pass_unchanged() -> None:
    for name in ("résultats 2026.csv", "fig-1.png", "table_2.tsv"):
        assert check_file_name(name) == name


@pytest.mark.parametrize(
    "text", ["../r-20261206T101010Z-abcdef", "r-2026", "R-20261206T101010Z-abcdef", "x; rm -rf /"]
)
def test_a_request_id_not_of_the_airlock_form_is_refused(text: str) -> None:
    with pytest.raises(RefusedName, match="not an airlock request id"):
        check_request_id(text)


def test_a_request_id_of_the_form_passes() -> None:
    assert check_request_id("r-20261206T101010Z-abcdef") == "r-20261206T101010Z-abcdef"
