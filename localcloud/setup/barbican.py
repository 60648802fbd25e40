"""Barbican: its config and schema, and the purge of soft-deleted secrets (`purge-secrets`)."""

from __future__ import annotations

from collections.abc import Callable

from localcloud.layout import Layout, render
from localcloud.services import mariadb_query
from localcloud.setup.common import SetupError, run

DATABASES = ("barbican",)
KEY_MANAGER = ("barbican", "key-manager", "http://127.0.0.1:9311")


def configure(layout: Layout, values: dict[str, str]) -> None:
    home = layout.state / "barbican" / "home"
    render("barbican.conf", home / ".barbican" / "barbican.conf", values)


def schema_steps(layout: Layout, secret: dict[str, str]) -> dict[str, Callable[[], None]]:
    barbican_env = {"HOME": str(layout.state / "barbican" / "home")}
    barbican_db = f"mysql+pymysql://openstack:{secret['db_password']}@127.0.0.1:3306/barbican"
    return {
        "schema-barbican": lambda: run(
            layout,
            ["barbican-manage", "db", "upgrade", "--db-url", barbican_db],
            "barbican",
            env=barbican_env,
        ),
    }


def purge_deleted_secrets(layout: Layout, secret: dict[str, str]) -> None:
    """`barbican-manage db clean`: Barbican deletes secrets softly; this removes their rows."""
    barbican_db = f"mysql+pymysql://openstack:{secret['db_password']}@127.0.0.1:3306/barbican"
    run(
        layout,
        ["barbican-manage", "db", "clean", "--db-url", barbican_db, "--min-days", "0", "--verbose"],
        "barbican-purge",
        env={"HOME": str(layout.state / "barbican" / "home")},
    )


def secret_rows(layout: Layout, ids: list[str]) -> dict[str, int]:
    """How many rows (deleted or not) Barbican's database still holds for each secret id."""
    counts: dict[str, int] = {}
    for secret_id in ids:
        if not all(c in "0123456789abcdef-" for c in secret_id):
            raise SetupError(f"not a secret id: {secret_id!r}")
        query = f"SELECT COUNT(*) FROM barbican.secrets WHERE id = '{secret_id}'"
        out = mariadb_query(layout, query, check=True).stdout.strip()
        counts[secret_id] = int(out or "0")
    return counts
