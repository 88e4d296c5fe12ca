"""Sales imports from the Django side: reference data, the dataset, the manifest mirror.

``measurement`` is the only app that calls ``onevoice.analytics``; the warehouse gets
its clinic and product reference from here and each stored batch is mirrored as a
:class:`SalesBatch` row, in the same step, so the operational database and the Parquet
dataset never disagree (if the mirror fails, the batch is rolled back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onevoice.accounts.models import User
from onevoice.accounts.services import audit_record
from onevoice.analytics.warehouse import (
    ColumnMapping,
    ImportReport,
    Product,
    ProductMaster,
    Reference,
    SalesDataset,
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
def sales_batch_record(*, report: ImportReport, user: User | None) -> SalesBatch | None:
    """Mirror a stored batch in the operational database, with an audit row."""
    if report.batch_id is None:
        return None
    batch = SalesBatch.objects.create(
        batch_id=report.batch_id,
        source_name=report.source_name,
        content_hash=report.content_hash,
        rows_read=report.rows_read,
        rows_stored=report.rows_stored,
        rows_quarantined=report.rows_quarantined,
        reasons=report.reasons,
        months=list(report.months),
        imported_by=user,
    )
    audit_record(actor=user, action="sales.import", obj=batch, after=report.to_dict())
    return batch


def sales_import(
    *,
    path: Path,
    user: User | None,
    mapping: ColumnMapping | None = None,
    on_progress: Callable[[Any], None] | None = None,
) -> ImportReport:
    """Import a sales file into the dataset and mirror the batch; atomic across both."""
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
