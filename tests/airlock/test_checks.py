"""The disclosure checks on files made for each case; expected places and values are written
by hand from the rules (the small-cell threshold, the NIR's published key arithmetic)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from hubctl.airlock.checks import BadInput, Settings, inspect
from hubctl.airlock.checks.extract import ExtractIndex
from hubctl.airlock.model import Finding, Severity
from tests.airlock import files

SETTINGS = Settings()


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def findings_of(path: Path, settings: Settings = SETTINGS, **extra: object) -> list[Finding]:
    return inspect([path], settings, **extra)[1]  # type: ignore[arg-type]


def by_check(found: list[Finding], check: str) -> list[Finding]:
    return [f for f in found if f.check == check]


# -- small cells ----------------------------------------------------------------------------


def test_a_count_of_7_is_blocked_with_its_row_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "table.csv", "region,patients\nnord,12\nsud,7\n")
    (finding,) = findings_of(path)
    assert finding.check == "small-cell" and finding.severity is Severity.BLOCKING
    assert finding.location == "row 3, column 2 ('patients')"
    assert "count 7" in finding.message


@pytest.mark.parametrize(("value", "flagged"), [(9, True), (10, False), (1, True), (0, False)])
def test_the_default_threshold_is_10_at_its_bound(
    tmp_path: Path, value: int, flagged: bool
) -> None:
    path = write(tmp_path, "t.csv", f"group_label,n\na,{value}\n")
    assert bool(by_check(findings_of(path), "small-cell")) is flagged


@pytest.mark.parametrize(("value", "flagged"), [(4, True), (5, False)])
def test_the_site_threshold_is_used(tmp_path: Path, value: int, flagged: bool) -> None:
    path = write(tmp_path, "t.csv", f"label,n\na,{value}\n")
    found = findings_of(path, Settings(threshold=5))
    assert bool(by_check(found, "small-cell")) is flagged


@pytest.mark.parametrize("cell", ["      7", "0000007", "+000007", "7      ", "\t7"])
def test_a_small_count_dressed_in_blanks_or_zeros_is_still_found(tmp_path: Path, cell: str) -> None:
    path = write(tmp_path, "t.csv", f"label,n,m\nalsace,12000,{cell}\n")
    (finding,) = by_check(findings_of(path), "small-cell")
    assert finding.location == "row 2, column 3 ('m')" and "count 7" in finding.message


def test_a_year_column_holds_no_counts(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "age_band,year,n\n3,2,40\n")
    assert findings_of(path) == []


def test_a_tsv_and_a_semicolon_csv_are_tables(tmp_path: Path) -> None:
    tsv = write(tmp_path, "t.tsv", "label\tn\na\t3\n")
    semi = write(tmp_path, "s.csv", "label;n\na;4\n")
    assert by_check(findings_of(tsv), "small-cell")[0].location == "row 2, column 2 ('n')"
    assert by_check(findings_of(semi), "small-cell")[0].location == "row 2, column 2 ('n')"


# -- direct identifiers -----------------------------------------------------------------------

# A NIR published with its key: "2 06 12 75 111 005 : ... sa clé est : 64" (lbcd78.fr, 2007).
PUBLISHED_NIR = "2 06 12 75 111 005 64"


def test_a_nir_with_its_published_key_is_blocked(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", f"who,n\n{PUBLISHED_NIR},40\n")
    (finding,) = findings_of(path)
    assert finding.check == "nir" and finding.location == "row 2, column 1 ('who')"


def test_a_nir_with_a_wrong_key_is_not_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "who,n\n2 06 12 75 111 005 63,40\n")
    assert by_check(findings_of(path), "nir") == []


def test_a_corsican_nir_counts_2a_as_19(tmp_path: Path) -> None:
    # The rule as published (comptavoo.com): for Corsica, 2A is replaced by 19 in the number.
    key = 97 - int("1850519004012") % 97
    right = f"185052A004012{key:02d}"
    wrong = f"185052A004012{(key % 97) + 1:02d}"
    path = write(tmp_path, "notes.txt", f"patient {right}\nother {wrong}\n")
    (finding,) = by_check(findings_of(path), "nir")
    assert finding.location == "line 1"


def test_an_email_in_plain_text_is_blocked_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "results attached\ncontact: jeanne.dupont@chu-lille.fr\n")
    (finding,) = findings_of(path)
    assert (finding.check, finding.location) == ("e-mail", "line 2")
    assert "jeanne.dupont" not in finding.message  # the value is not spread into the record


def test_a_date_of_birth_column_is_blocked(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "date_naissance,n\n1984-03-12,40\n1984,40\n")
    (finding,) = by_check(findings_of(path), "date-of-birth")
    assert finding.location == "row 2, column 1 ('date_naissance')"


def test_a_full_postcode_next_to_a_rare_value_is_blocked(tmp_path: Path) -> None:
    rows = ["code_postal,diagnostic,n"] + ["59000,diabete,40"] * 10 + ["59000,porphyrie,40"]
    path = write(tmp_path, "t.csv", "\n".join(rows) + "\n")
    (finding,) = by_check(findings_of(path), "postcode-rare-value")
    assert finding.location == "row 12, column 1 ('code_postal') and column 2 ('diagnostic')"


def test_a_full_postcode_next_to_common_values_passes(tmp_path: Path) -> None:
    rows = ["code_postal,diagnostic,n"] + ["59000,diabete,40"] * 10
    path = write(tmp_path, "t.csv", "\n".join(rows) + "\n")
    assert findings_of(path) == []


# -- the extract ------------------------------------------------------------------------------


def test_rows_of_the_extract_are_blocked_each_and_counted(tmp_path: Path) -> None:
    extract = "patient,hba1c,age\n1,6.8,54\n2,7.4,61\n3,5.9,47\n"
    index = ExtractIndex.of([("cohort.csv", extract.encode())])
    path = write(tmp_path, "result.csv", "patient,hba1c,age\n2,7.4,61\n9,5.0,50\n3,5.9,47\n")
    found = by_check(findings_of(path, extract_rows=index), "extract-rows")
    assert [f.location for f in found] == ["row 2", "row 4", ""]
    assert "2 of its 3 data rows" in found[-1].message


# -- types ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "label"),
    [
        ("bomb.zip", files.zip_bomb, "an archive or compressed data"),
        ("results.csv", files.zip_bomb, "an archive or compressed data"),  # the name lies
        ("t.csv.gz", lambda: files.gzipped(b"a,b\n1,2\n"), "an archive or compressed data"),
        ("run", files.elf, "an executable or library"),
        # Fixed noise: random bytes are sometimes a DOS .COM program to libmagic (its first
        # byte an x86 opcode), which the airlock blocks under another label.
        (
            "noise.bin",
            lambda: random.Random(0).randbytes(4096),
            "a type the airlock does not allow",
        ),
    ],
)
def test_types_outside_the_allow_list_are_blocked_by_content(
    tmp_path: Path, name: str, make: object, label: str
) -> None:
    path = write(tmp_path, name, make())  # type: ignore[operator]
    (finding,) = findings_of(path)
    assert finding.check == "file-type" and finding.severity is Severity.BLOCKING
    assert label in finding.message


def test_a_database_is_blocked(tmp_path: Path) -> None:
    path = write(tmp_path, "cohort.csv", files.sqlite_db(tmp_path))
    (finding,) = findings_of(path)
    assert "a database" in finding.message


@pytest.mark.parametrize(("name", "make"), [("fig.png", files.png), ("report.pdf", files.pdf)])
def test_png_and_pdf_go_to_human_review_with_a_note(
    tmp_path: Path, name: str, make: object
) -> None:
    path = write(tmp_path, name, make())  # type: ignore[operator]
    (finding,) = findings_of(path)
    assert finding.severity is Severity.REVIEW and "not checked automatically" in finding.message


# -- malformed and unreadable content -----------------------------------------------------------


def test_a_ragged_csv_is_malformed_at_its_row(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "a,b\n10,20\n30\n")
    (finding,) = findings_of(path)
    assert (finding.check, finding.location) == ("malformed-table", "row 3")


def test_an_unclosed_quote_is_malformed(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", 'a,b\n10,"20\n')
    assert by_check(findings_of(path), "malformed-table")


def test_non_utf8_text_is_blocked_at_its_byte(tmp_path: Path) -> None:
    data = "nom,n\nJosé,40\n".encode("latin-1")
    path = write(tmp_path, "t.csv", data)
    (finding,) = findings_of(path)
    offset = data.index("é".encode("latin-1"))
    assert finding.location == f"byte {offset}"


# -- sizes ------------------------------------------------------------------------------------


def test_a_2_gb_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # sparse: 2 GiB long, nothing written
        handle.truncate(2 << 30)

    def never(*_: object) -> None:
        raise AssertionError("the file was read")

    monkeypatch.setattr("hubctl.airlock.checks.sha256_of", never)
    monkeypatch.setattr("hubctl.airlock.checks.filetype.identify", never)
    found = findings_of(path)
    assert {f.check for f in found} == {"size"} and "2048.0 MiB" in found[0].message


@pytest.mark.parametrize(("size", "flagged"), [(100, False), (101, True)])
def test_the_file_limit_at_its_bound(tmp_path: Path, size: int, flagged: bool) -> None:
    path = write(tmp_path, "t.txt", "x" * size)
    found = findings_of(path, Settings(file_bytes=100, request_bytes=1000))
    assert bool(by_check(found, "size")) is flagged


@pytest.mark.parametrize(("count", "flagged"), [(3, False), (4, True)])
def test_the_file_count_at_its_bound(tmp_path: Path, count: int, flagged: bool) -> None:
    paths = [write(tmp_path, f"{i}.txt", "ok\n") for i in range(count)]
    found = inspect(paths, Settings(max_files=3))[1]
    assert bool(by_check(found, "size")) is flagged


@pytest.mark.parametrize(("each", "flagged"), [(50, False), (51, True)])
def test_the_request_limit_at_its_bound(tmp_path: Path, each: int, flagged: bool) -> None:
    paths = [write(tmp_path, f"{i}.txt", "x" * each) for i in range(2)]
    found = inspect(paths, Settings(request_bytes=100))[1]
    assert bool(by_check(found, "size")) is flagged


# -- what is refused before any check ---------------------------------------------------------


def test_a_directory_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not a regular file"):
        inspect([tmp_path], SETTINGS)


def test_a_fifo_is_bad_input_and_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(BadInput, match="not a regular file"):
        inspect([fifo], SETTINGS)


def test_two_files_of_one_name_are_bad_input(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    first, second = write(tmp_path, "t.txt", "1\n"), write(tmp_path / "a", "t.txt", "2\n")
    with pytest.raises(BadInput, match="same name"):
        inspect([first, second], SETTINGS)


def test_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="cannot be read"):
        inspect([tmp_path / "nope.csv"], SETTINGS)


def test_a_clean_table_has_no_finding(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "region,patients,mean_hba1c\nnord,120,7.1\nsud,98,6.9\n")
    entries, found = inspect([path], SETTINGS)
    assert found == []
    assert entries[0].sha256 == __import__("hashlib").sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("cut", range(0, 12))
def test_a_bad_byte_is_placed_exactly_across_read_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: int
) -> None:
    monkeypatch.setattr("hubctl.airlock.checks.text.CHUNK", 7)
    good = "aé" * 10  # two-byte sequences straddle chunk boundaries of 7 bytes
    before = good[:cut].encode()
    path = write(tmp_path, "notes.txt", before + b"\xc3" + b"z" + good[cut:].encode())
    (finding,) = findings_of(path)
    assert finding.location == f"byte {len(before)}"
