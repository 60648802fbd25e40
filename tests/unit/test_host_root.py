"""How the host-root builder finds the Debian mirrors this machine's apt already uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostbuild.debian_root import AptSources, HostRootError, host_apt_sources, root_sources_text


def apt_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "sources.list.d").mkdir()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_mirrors_are_read_from_deb822_sources(tmp_path: Path) -> None:
    sources = apt_dir(
        tmp_path,
        {
            "sources.list.d/debian.sources": (
                "Types: deb\nURIs: http://mirror.example/debian/\n"
                "Suites: bookworm bookworm-updates\nComponents: main\n\n"
                "Types: deb\nURIs: http://mirror.example/debian-security\n"
                "Suites: bookworm-security\nComponents: main\n"
            ),
        },
    )
    assert host_apt_sources(sources) == AptSources(
        archive="http://mirror.example/debian",
        security="http://mirror.example/debian-security",
    )


def test_mirrors_are_read_from_one_line_sources(tmp_path: Path) -> None:
    sources = apt_dir(
        tmp_path,
        {
            "sources.list": (
                "# deb http://commented.example/debian bookworm main\n"
                "deb [arch=amd64] http://mirror.example/debian bookworm main\n"
                "deb http://mirror.example/security bookworm-security main\n"
            ),
        },
    )
    assert host_apt_sources(sources).archive == "http://mirror.example/debian"
    assert host_apt_sources(sources).security == "http://mirror.example/security"


def test_disabled_files_and_stanzas_are_ignored(tmp_path: Path) -> None:
    sources = apt_dir(
        tmp_path,
        {
            "sources.list.d/old.sources.disabled": (
                "Types: deb\nURIs: http://old.example/debian\nSuites: bookworm\n"
            ),
            "sources.list.d/debian.sources": (
                "Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\n\n"
                "Types: deb\nURIs: http://on.example/debian\nSuites: bookworm bookworm-security\n"
            ),
        },
    )
    assert host_apt_sources(sources).archive == "http://on.example/debian"


def test_a_machine_without_a_bookworm_source_is_an_error(tmp_path: Path) -> None:
    sources = apt_dir(tmp_path, {"sources.list": "deb http://mirror.example/debian trixie main\n"})
    with pytest.raises(HostRootError):
        host_apt_sources(sources)


def test_roots_get_the_archive_its_updates_and_the_security_suite() -> None:
    text = root_sources_text(AptSources(archive="http://a/debian", security="http://a/sec"))
    assert "URIs: http://a/debian\nSuites: bookworm bookworm-updates\n" in text
    assert "URIs: http://a/sec\nSuites: bookworm-security\n" in text
