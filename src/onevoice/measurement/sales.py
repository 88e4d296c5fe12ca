"""Sales imports from the Django side: reference data, the dataset, the manifest mirror.

``measurement`` is the only app that calls ``onevoice.analytics``; the warehouse gets
its clinic and product reference from here and each stored batch is mirrored as a
:class:`SalesBatch` row, in the same step, so the operational database and the Parquet
dataset never disagree (if the mirror fails, the batch is rolled back). A process killed
between the two steps (the dataset committed, the row not yet written; or a rollback's
files removed, its row not yet saved) leaves them apart until :func:`sales_reconcile`,
which every import and the sales page run first, mirrors the dataset's manifest, the
record of what its rows are (a rollback asked again finishes its own row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from onevoice.accounts.models import User
from onevoice.accounts.services import audit_record
from onevoice.analytics.warehouse import (
    BatchInfo,
    ColumnMapping,
    ImportReport,
    Product,
    ProductMaster,
    Reference,
    SalesDataset,
    UnknownBatchError,
    connect,
    engine_name,
)
from onevoice.analytics.warehouse.clinic_index import indexed_table
from onevoice.analytics.warehouse.products import DAYS_PER_MONTH
from onevoice.campaigns.selectors import product_list
from onevoice.field.selectors import clinic_codes
from onevoice.measurement.models import SalesBatch

if TYPE_CHECKING:
    import ibis.expr.types as ir


def sales_dataset() -> SalesDataset:
    return SalesDataset(Path(settings.SALES_DATASET_DIR))


def sales_table() -> ir.Table:
    """The active sales rows for dashboards and KPIs: on DuckDB from the clinic-indexed
    copy (a few clinics' rows are read without scanning every month), on Spark from
    the dataset itself."""
    dataset = sales_dataset()
    if engine_name() == "duckdb":
        return indexed_table(dataset)
    return dataset.table(connect())


def product_master() -> ProductMaster:
    """The campaigns' products as the warehouse sees them (pack size, daily doses)."""
    products = []
    for p in product_list():
        doses_per_day = p.tablets_per_pack / (p.treatment_months_per_pack * DAYS_PER_MONTH)
        products.append(
            Product(
                sku=p.sku, product=p.name, pack_size=p.tablets_per_pack, doses_per_day=doses_per_day
            )
        )
    return ProductMaster(products)


def sales_reference() -> Reference:
    return Reference(
        clinic_ids=frozenset(clinic_codes()), products=product_master(), now=timezone.localdate()
    )


@transaction.atomic
def sales_batch_record(
    *, report: ImportReport, user: User | None, via: str = ""
) -> SalesBatch | None:
    """Mirror a stored batch in the operational database, with an audit row; ``via``
    says how it came when no signed-in user imported it (e.g. the command line)."""
    if report.batch_id is None:
        return None
    # Updated, not only created: a reconcile running meanwhile in another process may
    # have mirrored the batch already (without knowing who imported it).
    batch, _ = SalesBatch.objects.update_or_create(
        batch_id=report.batch_id,
        defaults={**_batch_fields(report), "imported_by": user},
    )
    after = {**report.to_dict(), **({"via": via} if via else {})}
    audit_record(actor=user, action="sales.import", obj=batch, after=after)
    return batch


# An import writes its batch row right after the dataset's commit (milliseconds): an
# active batch without a row for longer than this was left by an import that died.
RECONCILE_AFTER = dt.timedelta(minutes=2)


def sales_reconcile() -> list[SalesBatch]:
    """Make the batch rows say what the dataset's manifest says; returns the rows changed.

    An active batch the manifest has held for :data:`RECONCILE_AFTER` without a row (an
    import killed after the dataset's commit) gets one, with no importer; a row still
    active whose batch the manifest has rolled back (a rollback killed after removing the
    files) is marked rolled back. Each repair has an audit row. A rolled-back batch with
    no row is an import whose row could not be written (it was undone and reported as
    failed): it stays out. Rows the manifest does not know are left as they are.
    """
    changed: list[SalesBatch] = []
    known = dict(SalesBatch.objects.values_list("batch_id", "rolled_back_at"))
    settled = timezone.now() - RECONCILE_AFTER
    for info in sales_dataset().batches():
        rolled_back_at = _when(info.rolled_back_at) if info.status != "active" else None
        if info.batch_id not in known:
            imported_at = _when(info.imported_at)
            if rolled_back_at is not None or (imported_at is not None and imported_at > settled):
                continue  # a failed import, or one still writing its row
            try:
                with transaction.atomic():
                    batch = SalesBatch.objects.create(
                        batch_id=info.batch_id,
                        **_batch_fields(info),
                        imported_at=imported_at or timezone.now(),
                        imported_by=None,
                    )
                    audit_record(
                        actor=None,
                        action="sales.recovered",
                        obj=batch,
                        after=info.to_json(),
                    )
            except IntegrityError:
                continue  # mirrored meanwhile by its import or another reconcile
            changed.append(batch)
        elif rolled_back_at is not None and known[info.batch_id] is None:
            with transaction.atomic():
                # Only if still active when the row's lock is ours (a rollback running
                # now saves the row itself).
                updated = SalesBatch.objects.filter(
                    batch_id=info.batch_id, rolled_back_at__isnull=True
                ).update(rolled_back_at=rolled_back_at)
                if updated:
                    batch = SalesBatch.objects.get(batch_id=info.batch_id)
                    audit_record(
                        actor=None,
                        action="sales.rollback_recovered",
                        obj=batch,
                        before={"rows_stored": batch.rows_stored},
                        after={"rolled_back_at": info.rolled_back_at},
                    )
                    changed.append(batch)
    return changed


def _batch_fields(batch: ImportReport | BatchInfo) -> dict[str, Any]:
    """What a batch row mirrors of an import's report or of the manifest's entry."""
    return {
        "source_name": batch.source_name,
        "content_hash": batch.content_hash,
        "rows_read": batch.rows_read,
        "rows_stored": batch.rows_stored,
        "rows_quarantined": batch.rows_quarantined,
        "reasons": batch.reasons,
        "months": list(batch.months),
    }


def _when(iso: str | None) -> dt.datetime | None:
    """A manifest timestamp as an aware datetime (they are written with their offset)."""
    if not iso:
        return None
    when = dt.datetime.fromisoformat(iso)
    return when if timezone.is_aware(when) else timezone.make_aware(when)


def sales_import(
    *,
    path: Path,
    user: User | None,
    mapping: ColumnMapping | None = None,
    on_progress: Callable[[Any], None] | None = None,
) -> ImportReport:
    """Import a sales file into the dataset and mirror the batch; atomic across both."""
    # First, so a file whose earlier import was killed half-way is reported as the
    # duplicate of a batch that has a page.
    sales_reconcile()
    dataset = sales_dataset()
    report = dataset.import_file(
        path, reference=sales_reference(), mapping=mapping, on_progress=on_progress
    )
    try:
        sales_batch_record(report=report, user=user)
    except BaseException:
        if report.batch_id is not None:
            dataset.rollback(report.batch_id)
        raise
    return report


@transaction.atomic
def sales_batch_rollback(*, batch: SalesBatch, user: User | None) -> SalesBatch:
    """Remove a batch's rows from the dataset; the manifest keeps it, marked rolled back."""
    locked = SalesBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.rolled_back_at is None:
        if _manifest_status(locked.batch_id) == "active":
            sales_dataset().rollback(locked.batch_id)
        locked.rolled_back_at = timezone.now()
        locked.save(update_fields=["rolled_back_at"])
        audit_record(
            actor=user,
            action="sales.rollback",
            obj=locked,
            before={"rows_stored": locked.rows_stored},
        )
    return locked


def _manifest_status(batch_id: str) -> str:
    """The batch's status in the manifest; a rollback killed after removing the files
    left it "rolled_back" there, and only the row is still to be saved."""
    try:
        return sales_dataset().batch(batch_id).status
    except UnknownBatchError:
        return "active"  # unknown to the dataset: let its rollback say so


UPLOAD_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".parquet"}
UPLOAD_MAX_BYTES = 500 * 1024 * 1024
PREVIEW_ROWS = 10
ERROR_UPLOAD_TYPE = "{name}: sales files must be CSV, TSV, TXT, XLSX or Parquet."
ERROR_UPLOAD_SIZE = "{name}: {size:,} bytes is over the {limit:,}-byte limit."


def uploads_dir() -> Path:
    path = Path(settings.ONEVOICE_HOME) / "uploads"
    path.mkdir(exist_ok=True)
    return path


def upload_store(*, name: str, chunks: Iterable[bytes], size: int) -> str:
    """Keep an uploaded sales file until it is previewed and imported; return its token."""
    import secrets

    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValueError(ERROR_UPLOAD_TYPE.format(name=name))
    if size > UPLOAD_MAX_BYTES:
        raise ValueError(ERROR_UPLOAD_SIZE.format(name=name, size=size, limit=UPLOAD_MAX_BYTES))
    token = secrets.token_hex(12)
    folder = uploads_dir() / token
    folder.mkdir()
    with (folder / Path(name).name).open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
    return token


def upload_path(token: str) -> Path | None:
    """The stored upload for ``token``, or None (tokens are hex; no path tricks)."""
    if not token.isalnum():
        return None
    folder = uploads_dir() / token
    files = list(folder.iterdir()) if folder.is_dir() else []
    return files[0] if len(files) == 1 else None


def upload_preview(path: Path, mapping: ColumnMapping) -> tuple[list[str], list[list[str]]]:
    """Header and first rows of an uploaded file, as the importer will read them."""
    from onevoice.analytics.warehouse.readers import open_sales_file

    reader = open_sales_file(path, mapping, exact=True)
    rows: list[list[str]] = []
    for chunk in reader.chunks():
        names = reader.column_names
        columns = [chunk.columns[n].to_pylist() for n in names]
        for i in range(min(chunk.num_rows, PREVIEW_ROWS - len(rows))):
            rows.append(["" if c[i] is None else str(c[i]) for c in columns])
        if len(rows) >= PREVIEW_ROWS:
            break
    return reader.column_names, rows


def upload_discard(token: str) -> None:
    import shutil

    path = upload_path(token)
    if path is not None:
        shutil.rmtree(path.parent, ignore_errors=True)
