"""Which local cloud a checkout's commands act on: one cloud per network namespace.

The cloud's ports are fixed, so a second checkout on the same machine (a fresh clone, the README
tier's, a CI job's) must use the cloud another checkout started rather than start a second one
on the same ports, and its own cloud once it has one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from localcloud import layout as layouts
from localcloud.layout import Layout


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout without a cloud of its own, and an empty record folder."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    monkeypatch.setattr(layouts, "REPO_ROOT", checkout)
    monkeypatch.setenv(layouts.RUN_DIR_VARIABLE, str(tmp_path / "run"))
    monkeypatch.delenv("LOCAL_CLOUD_DIR", raising=False)
    return tmp_path


def _set_up(folder: Path) -> Layout:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "secrets.json").write_text("{}")
    return Layout(folder)


def test_a_checkout_without_any_cloud_starts_its_own(machine: Path) -> None:
    assert layouts.default_layout().state == machine / "checkout" / ".local-cloud"


def test_a_checkout_without_a_cloud_uses_the_one_started_from_another(machine: Path) -> None:
    other = _set_up(machine / "first-clone" / ".local-cloud")
    layouts.record_machine_cloud(other)
    assert layouts.default_layout().state == other.state


def test_a_checkout_with_a_cloud_of_its_own_keeps_it(machine: Path) -> None:
    own = _set_up(machine / "checkout" / ".local-cloud")
    layouts.record_machine_cloud(_set_up(machine / "first-clone" / ".local-cloud"))
    assert layouts.default_layout().state == own.state


def test_local_cloud_dir_wins_over_everything(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layouts.record_machine_cloud(_set_up(machine / "first-clone" / ".local-cloud"))
    monkeypatch.setenv("LOCAL_CLOUD_DIR", str(machine / "chosen"))
    assert layouts.default_layout().state == machine / "chosen"


def test_a_recorded_folder_that_holds_no_cloud_is_not_used(machine: Path) -> None:
    empty = machine / "gone" / ".local-cloud"
    empty.mkdir(parents=True)
    layouts.record_machine_cloud(Layout(empty))
    assert layouts.default_layout().state == machine / "checkout" / ".local-cloud"


def test_the_record_outlives_a_stop_so_a_restart_finds_the_same_cloud(machine: Path) -> None:
    first = _set_up(machine / "first-clone" / ".local-cloud")
    layouts.record_machine_cloud(first)
    # `stop` leaves the folder (and the record): a start from a second clone restarts it
    assert layouts.recorded_cloud() == first.state
    assert layouts.default_layout().state == first.state


def test_the_record_is_per_network_namespace(machine: Path) -> None:
    import os

    namespace = os.stat("/proc/self/ns/net").st_ino
    assert layouts.machine_record().name == f"local-cloud.net-{namespace}"


def test_a_cloud_found_through_the_record_is_another_checkouts(machine: Path) -> None:
    layouts.record_machine_cloud(_set_up(machine / "first-clone" / ".local-cloud"))
    assert layouts.is_another_checkouts(layouts.default_layout())


def test_a_checkouts_own_cloud_is_not_another_checkouts(machine: Path) -> None:
    _set_up(machine / "checkout" / ".local-cloud")
    assert not layouts.is_another_checkouts(layouts.default_layout())


def test_a_cloud_chosen_with_local_cloud_dir_is_not_another_checkouts(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_CLOUD_DIR", str(machine / "chosen"))
    assert not layouts.is_another_checkouts(layouts.default_layout())
