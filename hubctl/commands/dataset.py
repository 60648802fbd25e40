"""`hubctl dataset`: the data team's ingestion path, every object sealed under the dataset key.

    load    seal files under the dataset's current key, write the next manifest version
    read    an object back: unwrap, decrypt, check against the manifest's SHA-256
    list    the dataset's versions and the newest manifest's objects
    escrow  escrow every dataset key of the site in the replica region (`hubctl up` does it)
    keys    each key of a dataset: escrowed, split; --prove recovers each in the replica region
    shred   crypto-shredding: destroy the keys, their escrow and shares, with an evidence record

Exit codes: 0 done; 1 an object, manifest, key, escrow blob or share failed its check (named,
nothing overwritten); 2 usage or config (unknown site or dataset, unreadable file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from hubcore.paths import REPO_ROOT
from hubcore.values import ConfigError
from hubctl.commands.common import EXIT_OK, EXIT_VIOLATIONS, fail_usage, require_site, stderr

if TYPE_CHECKING:
    from hubctl.datasets.store import DatasetStore
    from infra.config import HubConfig

console = Console(highlight=False)
app = typer.Typer(
    name="dataset",
    help="Datasets sealed under their keys: load, read, list, escrow, keys, shred.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
SiteOption = Annotated[str, typer.Option("--site", help="The site that holds the dataset.")]
DatasetOption = Annotated[str, typer.Option("--dataset", help="One of the site's hub:datasets.")]


def site_of(site: str) -> HubConfig:
    from hubctl.deploy import site_config

    require_site(site)
    try:
        return site_config(site)
    except ConfigError as error:
        fail_usage(str(error))


def require_dataset(config: HubConfig, dataset: str) -> None:
    if dataset not in config.datasets:
        fail_usage(
            f"--dataset {dataset!r}: site {config.site!r} holds {', '.join(config.datasets)} "
            "(hub:datasets in stacks/sites.yaml)"
        )


def open_store(config: HubConfig, dataset: str) -> DatasetStore:
    from hubctl.cloud import site_cloud
    from hubctl.datasets.store import DatasetStore, KeyRing
    from infra.layers.storage import container_names

    require_dataset(config, dataset)
    conn = site_cloud(config.site, config.region_name).connect()
    container = container_names(config)[f"dataset-{dataset}"]
    return DatasetStore(conn, config.site, dataset, container, KeyRing(conn))


def refused(error: Exception) -> NoReturn:
    stderr.print(f"[bold red]error:[/] {error}", markup=True, soft_wrap=True, highlight=False)
    raise typer.Exit(EXIT_VIOLATIONS)


def _faults() -> tuple[type[Exception], ...]:
    from hubctl.datasets.custodians import ShareError
    from hubctl.datasets.escrow import EscrowError
    from hubctl.datasets.store import DatasetError
    from hubctl.envelope import EnvelopeError

    return (DatasetError, EnvelopeError, EscrowError, ShareError)


@app.command()
def load(
    site: SiteOption,
    dataset: DatasetOption,
    files: Annotated[list[Path], typer.Argument(help="Files to load (named by their base name).")],
) -> None:
    """Seal each file under the dataset key (a data key each) and write the next manifest."""
    from hubctl.datasets.store import read_files

    config = site_of(site)
    for path in files:
        if not path.is_file():
            fail_usage(f"{path}: not a readable file")
    store = open_store(config, dataset)
    try:
        manifest = store.load(
            read_files(files),
            on_object=lambda name, size: console.print(f"sealed {name} ({size} bytes)"),
        )
    except _faults() as error:
        refused(error)
    console.print(
        f"{store.container}: manifest v{manifest.version}, {len(manifest.objects)} object(s)"
    )


@app.command()
def read(
    site: SiteOption,
    dataset: DatasetOption,
    name: Annotated[str, typer.Argument(help="The object to read back.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE, not stdout.")
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="Check against this manifest version.")
    ] = None,
) -> None:
    """Download an object, unwrap its data key, decrypt, check it against the manifest."""
    store = open_store(site_of(site), dataset)
    try:
        data = store.read(name, store.manifest(version) if version else None)
    except _faults() as error:
        refused(error)
    if output is None:
        sys.stdout.buffer.write(data)
        return
    try:
        output.write_bytes(data)
    except OSError as error:
        fail_usage(f"--output {output}: cannot write: {error.strerror}")


@app.command("list")
def list_(
    site: SiteOption,
    dataset: DatasetOption,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """The dataset's manifest versions and the objects of the newest one."""
    if output_format not in ("text", "json"):
        fail_usage(f"--format {output_format!r}: expected text or json")
    store = open_store(site_of(site), dataset)
    try:
        versions = store.versions()
        manifest = store.manifest(versions[-1]) if versions else None
    except _faults() as error:
        refused(error)
    if output_format == "json":
        typer.echo(
            json.dumps(
                {
                    "site": site,
                    "dataset": dataset,
                    "container": store.container,
                    "versions": versions,
                    "manifest": manifest.model_dump(mode="json") if manifest else None,
                },
                indent=2,
            )
        )
        return
    if manifest is None:
        console.print(f"{store.container}: no manifest (nothing loaded yet)")
        return
    table = Table(title=f"{site}/{dataset}: manifest v{manifest.version} of {len(versions)}")
    for column in ("object", "bytes", "sha256", "key", "loaded"):
        table.add_column(column)
    for name, entry in sorted(manifest.objects.items()):
        table.add_row(
            name,
            str(entry.size),
            entry.sha256[:16] + "…",
            entry.key_id[:8] + "…",
            entry.loaded_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    console.print(table)


def escrow_now(config: HubConfig) -> list[Any]:
    """Escrow the site's dataset keys in its replica region (what `hubctl up` runs after the
    layers); an empty list when the site declares neither escrow nor custodians."""
    from hubctl.cloud import site_cloud
    from hubctl.datasets.escrow import escrow_site

    if config.replica_region is None or not (config.key_escrow or config.key_custodians):
        return []
    primary = site_cloud(config.site, config.region_name)
    return escrow_site(
        primary.connect(), primary.in_region(config.replica_region).connect(), config
    )


@app.command()
def escrow(site: SiteOption) -> None:
    """Escrow every dataset key of SITE not escrowed yet (under the replica region's KEK, and
    split among the custodians), in the replica region. Idempotent."""
    config = site_of(site)
    if config.replica_region is None or not (config.key_escrow or config.key_custodians):
        fail_usage(
            f"site {site!r} declares neither hub:keyEscrow nor hub:keyCustodians (with a "
            "hub:replicaRegion): nothing to escrow"
        )
    try:
        done = escrow_now(config)
    except _faults() as error:
        refused(error)
    for item in done:
        console.print(
            f"{item.dataset} key {item.key_id}: {item.status} ({', '.join(item.methods)})"
        )


@app.command()
def shred(
    site: SiteOption,
    dataset: DatasetOption,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: the data becomes unreadable for good.")
    ] = False,
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Where to write the evidence record.")
    ] = None,
) -> None:
    """Crypto-shred DATASET (its retention ended): destroy its keys, their escrow and shares,
    check through the APIs that nothing of it opens, write the evidence record."""
    from hubctl.cloud import site_cloud
    from hubctl.datasets.shred import shred as shred_dataset
    from hubctl.datasets.shred import write_record
    from hubctl.workspaces.closing_record import credentials_of

    config = site_of(site)
    require_dataset(config, dataset)
    if not yes:
        fail_usage(
            f"shredding {site}/{dataset} destroys its keys, their escrow and every share: every "
            "copy of its data becomes unreadable for good. Add --yes to do it"
        )
    cloud = site_cloud(site, config.region_name)
    primary = cloud.connect()
    replica = cloud.in_region(config.replica_region).connect() if config.replica_region else None
    try:
        record = shred_dataset(
            primary,
            replica,
            config,
            dataset,
            by=credentials_of(primary, cloud.env()),
            say=lambda line: console.print(line),
        )
    except _faults() as error:
        refused(error)
    for check in record.checks:
        mark = "[green]pass[/]" if check.passed else "[red]FAIL[/]"
        console.print(f"  {mark} {check.check} ({check.api}: {check.observed})")
    folder = reports or REPO_ROOT / "reports" / "datasets"
    for path in write_record(record, folder):
        console.print(f"evidence: {path}")
    console.print(
        f"next: remove {dataset} from hub:datasets of {site} in stacks/sites.yaml and run "
        f"`hubctl up --site {site}` to remove its containers and key order"
    )
    raise typer.Exit(EXIT_OK if record.ok else EXIT_VIOLATIONS)


@app.command()
def keys(
    site: SiteOption,
    dataset: DatasetOption,
    prove: Annotated[
        str | None,
        typer.Option(
            "--prove", help="escrow or shares: recover each key in the replica region and check it."
        ),
    ] = None,
    custodian_key: Annotated[
        list[str] | None,
        typer.Option(
            "--custodian-key", help="ID=FILE: a custodian's age identity (--prove shares)."
        ),
    ] = None,
) -> None:
    """Each escrowed key of a dataset; --prove recovers it as a DR site would (never printed)."""
    from hubctl.cloud import site_cloud
    from hubctl.datasets.escrow import read_record
    from hubctl.datasets.keys import key_check
    from hubctl.datasets.recovery import CustodianKey, Method, escrowed_key_ids, recover_key
    from infra.layers.storage import escrow_container_name

    config = site_of(site)
    require_dataset(config, dataset)
    if prove not in (None, "escrow", "shares"):
        fail_usage(f"--prove {prove!r}: expected escrow or shares")
    if config.replica_region is None:
        fail_usage(f"site {site!r} has no hub:replicaRegion: its keys are kept nowhere else")
    try:
        presented = tuple(CustodianKey.parse(text) for text in custodian_key or [])
    except ValueError as error:
        fail_usage(f"--custodian-key {error}")
    for item in presented:
        if not item.path.is_file():
            fail_usage(f"--custodian-key {item.custodian}={item.path}: not a readable file")
    escrow_conn = site_cloud(site, config.region_name).in_region(config.replica_region).connect()
    container = escrow_container_name(config)
    try:
        idents = escrowed_key_ids(escrow_conn, container, dataset)
        failures = 0
        for ident in idents:
            record = read_record(escrow_conn, container, dataset, ident)
            assert record is not None
            line = (
                f"{dataset} key {ident} ({record.key_name}): escrow "
                f"{'yes' if record.wrapped else 'no'}, shares "
                f"{f'{record.threshold} of {len(record.shares)}' if record.shares else 'no'}"
            )
            if prove:
                try:
                    method: Method = "shares" if prove == "shares" else "escrow"
                    key = recover_key(
                        escrow_conn, container, site, dataset, ident, method, presented
                    )
                    line += f"; recovered from {prove} (check {key_check(key)[:12]}… matches)"
                except _faults() as error:
                    failures += 1
                    stderr.print(f"[bold red]error:[/] {error}", markup=True, soft_wrap=True)
                    line += f"; NOT recovered from {prove}"
            console.print(line)
    except _faults() as error:
        refused(error)
    if not idents:
        console.print(f"{dataset}: no key escrowed in {container} ({config.replica_region})")
    raise typer.Exit(EXIT_VIOLATIONS if failures or (prove and not idents) else EXIT_OK)
