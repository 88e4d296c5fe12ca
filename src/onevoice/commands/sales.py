"""``onevoice import sales`` and ``onevoice export sales``: distributor sales files in and out.

Thin layer over :mod:`onevoice.analytics.warehouse`. The clinic and product reference
lives in Django, so this module never imports it: whoever registers the commands calls
:func:`configure` with a function that returns the :class:`Reference` (and, optionally,
the dataset and a callback that mirrors each batch in the operational database)::

    from onevoice.commands import sales
    sales.configure(reference=load_reference_from_django, on_import=record_batch)
    app.add_typer(sales.import_app, name="import")
    app.add_typer(sales.export_app, name="export")

With ``--json`` stdout is exactly one JSON object (the import report); failures exit
non-zero with a one-line reason on stderr.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from onevoice.analytics.warehouse import (
    ImportProgress,
    ImportReport,
    Reference,
    SalesDataset,
    SalesImportError,
    load_mapping,
)

__all__ = ["SalesCommandHooks", "configure", "export_app", "hooks", "import_app"]

NO_REFERENCE = (
    "no clinic and product reference is configured for sales imports "
    "(call onevoice.commands.sales.configure(reference=...))"
)

ReferenceProvider = Callable[[], Reference]
DatasetProvider = Callable[[], SalesDataset]
ImportObserver = Callable[[ImportReport], None]


@dataclass
class SalesCommandHooks:
    """Where the commands get what lives outside the analytics core."""

    reference: ReferenceProvider | None = None
    dataset: DatasetProvider | None = None
    on_import: ImportObserver | None = None


hooks = SalesCommandHooks()


def configure(
    *,
    reference: ReferenceProvider | None = None,
    dataset: DatasetProvider | None = None,
    on_import: ImportObserver | None = None,
) -> None:
    """Set the reference provider, the dataset provider and the after-import callback.

    ``on_import`` receives every report that stored a batch (not duplicates), after the
    batch is committed; if it raises, the batch is rolled back and the command fails.
    """
    hooks.reference = reference
    hooks.dataset = dataset
    hooks.on_import = on_import


def default_dataset() -> SalesDataset:
    """The dataset in ``$ONEVOICE_HOME/sales`` (``./onevoice-data/sales`` by default)."""
    home = Path(os.environ.get("ONEVOICE_HOME", "onevoice-data")).expanduser()
    return SalesDataset(home / "sales")


def _dataset() -> SalesDataset:
    return hooks.dataset() if hooks.dataset is not None else default_dataset()


def _fail(message: object) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


import_app = typer.Typer(help="Import data files.", no_args_is_help=True, add_completion=False)
export_app = typer.Typer(help="Export stored data.", no_args_is_help=True, add_completion=False)


@import_app.command("sales")
def import_sales(
    file: Annotated[Path, typer.Argument(help="Sales file: .csv/.txt/.tsv, .xlsx or .parquet.")],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="YAML column mapping; not needed for canonical headers."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print only the import report as one JSON object.")
    ] = False,
) -> None:
    """Validate a distributor sales file and store its rows as one batch."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    if hooks.reference is None:
        raise _fail(NO_REFERENCE)
    try:
        column_mapping = load_mapping(mapping) if mapping is not None else None
        reference = hooks.reference()
        dataset = _dataset()
        console = Console(stderr=True)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=as_json,
        ) as progress:
            task = progress.add_task(
                file.name, total=file.stat().st_size if file.exists() else None, rows=0
            )

            def on_progress(p: ImportProgress) -> None:
                progress.update(task, completed=p.bytes_read, total=p.total_bytes, rows=p.rows_read)

            report = dataset.import_file(
                file, reference=reference, mapping=column_mapping, on_progress=on_progress
            )
        if hooks.on_import is not None and report.batch_id is not None:
            try:
                hooks.on_import(report)
            except Exception:
                dataset.rollback(report.batch_id)
                raise
    except (SalesImportError, ValueError, OSError) as exc:
        raise _fail(exc) from None

    if as_json:
        typer.echo(json.dumps(report.to_dict()))
        return
    _print_report(report)


def _print_report(report: ImportReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if report.duplicate_of is not None:
        console.print(
            f"{report.source_name}: already imported as batch {report.duplicate_of}; nothing stored."
        )
        return
    console.print(
        f"{report.source_name}: batch {report.batch_id}: read {report.rows_read:,} rows, "
        f"stored {report.rows_stored:,}, quarantined {report.rows_quarantined:,}."
    )
    if report.reasons:
        table = Table("reason", "rows")
        for reason, count in sorted(report.reasons.items()):
            table.add_row(reason, f"{count:,}")
        console.print(table)
        console.print(
            f"Download the refused rows with: onevoice export quarantine {report.batch_id} FILE.csv"
        )


@export_app.command("sales")
def export_sales(
    file: Annotated[Path, typer.Argument(help="Output file: .csv or .parquet.")],
) -> None:
    """Write every stored sale in the canonical columns."""
    try:
        rows = _dataset().export(file)
    except (SalesImportError, ValueError, OSError) as exc:
        raise _fail(exc) from None
    typer.echo(f"wrote {rows:,} rows to {file}")


@export_app.command("quarantine")
def export_quarantine(
    batch_id: Annotated[str, typer.Argument(help="The import batch whose refused rows to write.")],
    file: Annotated[Path, typer.Argument(help="Output file: .csv or .parquet.")],
) -> None:
    """Write a batch's refused rows, with their reasons, ready to correct and re-import."""
    try:
        path = _dataset().export_quarantine(batch_id, file)
    except (SalesImportError, ValueError, OSError) as exc:
        raise _fail(exc) from None
    typer.echo(f"wrote the refused rows of batch {batch_id} to {path}")
