"""The sales dataset: an append-only Parquet dataset, one batch per import.

Layout under the dataset root::

    manifest.json                                   batches, their hashes and status
    data/month=2024-03/batch=<batch_id>/part-0.parquet   stored rows, by month
    quarantine/batch=<batch_id>/part-0.parquet      refused rows, original text + reason
    staging/<batch_id>/                             an import in progress
    .lock                                           one writer at a time

An import is written to ``staging/`` and moved into ``data/`` only when complete; the
batch becomes visible when ``manifest.json`` is atomically replaced with a version that
lists it. Readers only read files of batches the manifest lists as active, so a crash
at any point leaves what they see exactly as it was, and the next writer removes the
leftovers. Data files are never rewritten: a rollback removes a whole batch.

The Django ``measurement`` app mirrors each batch as a manifest row in the operational
database from the :class:`ImportReport` that :meth:`SalesDataset.import_file` returns
(and :meth:`SalesDataset.batches` lists them all); if its transaction fails after the
import, it calls :meth:`SalesDataset.rollback`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from onevoice.analytics.warehouse.dedup import SeenKeys
from onevoice.analytics.warehouse.errors import UNKNOWN_BATCH, UnknownBatchError
from onevoice.analytics.warehouse.mapping import ColumnMapping, resolve_columns
from onevoice.analytics.warehouse.readers import (
    FastCsvReader,
    FastPathUnavailable,
    RawChunk,
    SalesFileReader,
    as_text,
    open_sales_file,
    per_value,
)
from onevoice.analytics.warehouse.report import ImportProgress, ImportReport
from onevoice.analytics.warehouse.validation import (
    DETAIL_DUPLICATE_IN_FILE,
    DETAIL_DUPLICATE_STORED,
    DUPLICATE_LINE,
    QUARANTINE_META,
    STAGED_SCHEMA,
    STORED_SCHEMA,
    ChunkValidator,
    ParseSettings,
    Reference,
    detect_settings,
    reason_counts,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

CANONICAL_EXPORT = ("clinic_id", "date", "sku", "units", "net_revenue", "currency")
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
ROWS_PER_GROUP = 1 << 20
# Rows buffered per month before a row group is written: bounds memory per open month.
MIN_ROWS_PER_GROUP = 1 << 16

PARQUET_OPTIONS: dict[str, Any] = {
    # Only the id columns repeat; trying dictionaries on numbers wastes time.
    "use_dictionary": ["batch_id", "clinic_id", "sku", "currency"],
    # Min/max of text columns cost more to compute than the whole rest of the write;
    # dates are what queries prune on.
    "write_statistics": ["date", "source_row"],
    "column_encoding": {"source_row": "DELTA_BINARY_PACKED"},
}

# Fields whose text repeats a lot in any sales file (revenue, mostly distinct, does not):
# the fast CSV reader dictionary-encodes them so validation parses each distinct value once.
DICTIONARY_FIELDS = ("clinic_id", "sku", "date", "units", "currency")

BATCH_NOT_ACTIVE = "batch {batch_id!r} was already rolled back on {when}"
EXPORT_SUFFIX = "{file}: export writes .csv or .parquet files, not {suffix!r}"

BatchStatus = Literal["active", "rolled_back"]
ProgressCallback = Callable[[ImportProgress], None]


@dataclass(frozen=True)
class BatchInfo:
    """One import batch as the manifest records it."""

    batch_id: str
    source_name: str
    content_hash: str
    imported_at: str
    rows_read: int
    rows_stored: int
    rows_quarantined: int
    reasons: dict[str, int] = field(default_factory=dict)
    months: tuple[str, ...] = ()
    status: BatchStatus = "active"
    rolled_back_at: str | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> BatchInfo:
        """Build from a manifest entry."""
        return cls(**{**raw, "months": tuple(raw.get("months", ()))})

    def to_json(self) -> dict[str, Any]:
        """The manifest entry."""
        out = asdict(self)
        out["months"] = list(self.months)
        return out


@dataclass
class _Staged:
    """What a pass over the file produced in the staging directory."""

    rows_read: int = 0
    rows_stored: int = 0
    rows_quarantined: int = 0
    reasons: list[dict[str, int]] = field(default_factory=list)
    seen: SeenKeys | None = None
    quarantine_writer: pq.ParquetWriter | None = None
    # Rows that may repeat an earlier line, held back from the data until the end: typed
    # as they would be stored, and their text as it would be quarantined.
    held_writer: pq.ParquetWriter | None = None
    held_text_writer: pq.ParquetWriter | None = None
    validator: ChunkValidator | None = None
    content_hash: str = ""


class SalesDataset:
    """Append-only Parquet dataset of sales rows, with a manifest of import batches.

    Parameters
    ----------
    root
        Folder holding the dataset; created on first import.
    clock
        Returns the current aware datetime; tests pass a fixed one.
    """

    def __init__(self, root: str | Path, *, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.root = Path(root)
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    # -- reading -----------------------------------------------------------------

    def batches(self, *, include_rolled_back: bool = True) -> list[BatchInfo]:
        """Every batch in import order (optionally only the active ones)."""
        found = self._read_manifest()
        return [b for b in found if include_rolled_back or b.status == "active"]

    def batch(self, batch_id: str) -> BatchInfo:
        """One batch by id; raises UnknownBatchError."""
        for b in self._read_manifest():
            if b.batch_id == batch_id:
                return b
        raise UnknownBatchError(UNKNOWN_BATCH.format(batch_id=batch_id, root=self.root))

    def files(self) -> list[Path]:
        """Parquet files of the active batches, month by month."""
        active = {b.batch_id for b in self.batches(include_rolled_back=False)}
        data = self.root / "data"
        if not active or not data.is_dir():
            return []
        return sorted(
            f
            for f in data.glob("month=*/batch=*/*.parquet")
            if f.parent.name.removeprefix("batch=") in active
        )

    def to_arrow(self) -> pa.Table:
        """All stored rows as one Arrow table (for modest sizes; queries use :meth:`table`)."""
        files = self.files()
        if not files:
            return STORED_SCHEMA.empty_table()
        return pads.dataset(
            [str(f) for f in files], schema=STORED_SCHEMA, format="parquet"
        ).to_table()

    def table(self, con: BaseBackend | None = None) -> ir.Table:
        """The stored rows as an Ibis table on ``con`` (default: :func:`engine.connect`)."""
        from onevoice.analytics.warehouse.engine import connect, read_parquet_files

        return read_parquet_files(
            con if con is not None else connect(), self.files(), STORED_SCHEMA
        )

    def quarantine(self, batch_id: str) -> pd.DataFrame:
        """Refused rows of a batch: the file's columns as text, then ``_source_row``,
        ``_reason``, ``_detail`` and ``_raw_line`` (the line as read, for rows whose
        fields did not line up with the header)."""
        self.batch(batch_id)
        folder = self.root / "quarantine" / f"batch={batch_id}"
        parts = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
        if not parts:
            return pd.DataFrame(columns=list(QUARANTINE_META))
        table = pa.concat_tables(pq.read_table(p) for p in parts)
        return table.sort_by("_source_row").to_pandas()

    def export_quarantine(self, batch_id: str, path: str | Path) -> Path:
        """Write a batch's refused rows to CSV or Parquet, ready to correct and re-import.

        The file keeps the original header, so the same mapping reads it back; the
        ``_``-prefixed columns explain each row and are ignored on re-import.
        """
        path = Path(path)
        frame = self.quarantine(batch_id)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            frame.to_csv(path, index=False)
        elif suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            raise ValueError(EXPORT_SUFFIX.format(file=path, suffix=suffix))
        return path

    def export(self, path: str | Path) -> int:
        """Write the stored sales in canonical columns to ``path`` (.csv or .parquet).

        Streams month by month, so memory stays bounded. Returns the number of rows.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise ValueError(EXPORT_SUFFIX.format(file=path, suffix=suffix))
        schema = pa.schema([STORED_SCHEMA.field(c) for c in CANONICAL_EXPORT])
        files = self.files()
        rows = 0
        writer: pq.ParquetWriter | pacsv.CSVWriter
        writer = (
            pq.ParquetWriter(path, schema)
            if suffix == ".parquet"
            else pacsv.CSVWriter(path, schema)
        )
        with writer:
            if files:
                dataset = pads.dataset(
                    [str(f) for f in files], schema=STORED_SCHEMA, format="parquet"
                )
                for batch in dataset.to_batches(columns=list(CANONICAL_EXPORT)):
                    writer.write_batch(batch)
                    rows += batch.num_rows
        return rows

    # -- writing -----------------------------------------------------------------

    def import_file(
        self,
        path: str | Path,
        *,
        reference: Reference,
        mapping: ColumnMapping | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> ImportReport:
        """Validate a sales file and store its accepted rows as one new batch.

        Rows that fail validation go to the batch's quarantine with their reason. A file
        whose content was already imported in an active batch stores nothing and the
        report names that batch in ``duplicate_of``. A file that cannot be read, or lacks
        a required column, raises :class:`ImportRefused` and stores nothing.
        """
        path = Path(path)
        mapping = mapping or ColumnMapping()
        with self._locked():
            self._recover()
            batch_id = self._new_batch_id()
            stage = self.root / "staging" / batch_id
            staged: _Staged | None = None
            try:
                staged, reader = self._stage_file(
                    path, mapping, reference, batch_id, stage, on_progress
                )
                duplicate_of = self._active_with_hash(staged.content_hash)
                if duplicate_of is not None:
                    return ImportReport(
                        batch_id=None,
                        rows_read=0,
                        rows_stored=0,
                        rows_quarantined=0,
                        duplicate_of=duplicate_of,
                        source_name=path.name,
                        content_hash=staged.content_hash,
                    )
                self._remove_duplicates(staged, reader, stage, path.name)
                return self._commit(staged, batch_id, stage, path.name)
            except BaseException:
                self._close(staged)
                # Whatever was moved before the failure is not in the manifest: remove it
                # now so the folder is byte-for-byte as it was.
                self._recover()
                raise
            finally:
                self._close(staged)
                shutil.rmtree(stage, ignore_errors=True)
                with contextlib.suppress(OSError):
                    (self.root / "staging").rmdir()

    def rollback(self, batch_id: str) -> BatchInfo:
        """Remove a batch's rows from the dataset; the manifest keeps it as rolled back."""
        with self._locked():
            self._recover()
            batches = self._read_manifest()
            for i, b in enumerate(batches):
                if b.batch_id != batch_id:
                    continue
                if b.status != "active":
                    raise UnknownBatchError(
                        BATCH_NOT_ACTIVE.format(batch_id=batch_id, when=b.rolled_back_at)
                    )
                batches[i] = replace(
                    b, status="rolled_back", rolled_back_at=self._clock().isoformat()
                )
                self._write_manifest(batches)
                self._remove_batch_files(batch_id)
                return batches[i]
        raise UnknownBatchError(UNKNOWN_BATCH.format(batch_id=batch_id, root=self.root))

    # -- import internals --------------------------------------------------------

    def _stage_file(
        self,
        path: Path,
        mapping: ColumnMapping,
        reference: Reference,
        batch_id: str,
        stage: Path,
        on_progress: ProgressCallback | None,
    ) -> tuple[_Staged, SalesFileReader]:
        reader = open_sales_file(path, mapping)
        columns = resolve_columns(reader.header, mapping, path.name)
        if isinstance(reader, FastCsvReader):
            reader.dictionary_columns = {columns[c] for c in DICTIONARY_FIELDS if c in columns}
        try:
            staged = self._stage_pass(
                reader, columns, mapping, reference, batch_id, stage, on_progress
            )
        except FastPathUnavailable:
            shutil.rmtree(stage, ignore_errors=True)
            reader = open_sales_file(path, mapping, exact=True)
            staged = self._stage_pass(
                reader, columns, mapping, reference, batch_id, stage, on_progress
            )
        staged.content_hash = reader.content_hash()
        return staged, reader

    def _stage_pass(
        self,
        reader: SalesFileReader,
        columns: dict[str, str],
        mapping: ColumnMapping,
        reference: Reference,
        batch_id: str,
        stage: Path,
        on_progress: ProgressCallback | None,
    ) -> _Staged:
        stage.mkdir(parents=True, exist_ok=True)
        (stage / "quarantine").mkdir()
        staged = _Staged()
        delimiter = getattr(getattr(reader, "dialect", None), "delimiter", ",")

        def make_validator(settings: ParseSettings) -> ChunkValidator:
            return ChunkValidator(
                file=reader.path.name,
                columns=columns,
                source_columns=reader.column_names,
                mapping=mapping,
                reference=reference,
                settings=settings,
                batch_id=batch_id,
            )

        def good_batches(chunks: Iterator[RawChunk]) -> Iterator[pa.RecordBatch]:
            # Rows whose key hash an earlier row had may repeat a line: they are held back
            # (see ``dedup``). The hashes of a chunk are looked up in a helper thread while
            # the next chunk is validated (their numpy and hash kernels release the GIL);
            # the chunk's rows are written once the lookup is back.
            with ThreadPoolExecutor(max_workers=1) as helper:
                pending: tuple[RawChunk, pa.RecordBatch, Future[np.ndarray]] | None = None
                for chunk in chunks:
                    if staged.validator is None:
                        settings = detect_settings(chunk, columns, mapping, reference, delimiter)
                        staged.validator = make_validator(settings)
                        staged.seen = SeenKeys(_expected_rows(chunk, reader.total_bytes))
                    result = staged.validator.validate(chunk)
                    staged.rows_read += chunk.num_rows + len(chunk.malformed)
                    staged.rows_stored += result.good.num_rows
                    staged.reasons.append(result.reasons)
                    if result.quarantine.num_rows:
                        self._write_quarantine(stage, staged, result.quarantine)
                    if pending is not None:
                        yield from self._hold_back(stage, staged, *pending)
                    assert staged.seen is not None
                    lookup = helper.submit(_seen_before, staged.validator, staged.seen, result.good)
                    pending = (chunk, result.good, lookup)
                    if on_progress is not None:
                        on_progress(
                            ImportProgress(staged.rows_read, chunk.bytes_read, reader.total_bytes)
                        )
                if pending is not None:
                    yield from self._hold_back(stage, staged, *pending)

        try:
            self._write_staged(good_batches(reader.chunks()), stage)
        except BaseException:
            self._close(staged)
            raise
        if staged.validator is None:
            staged.validator = make_validator(ParseSettings())
        if on_progress is not None:
            on_progress(ImportProgress(staged.rows_read, reader.total_bytes, reader.total_bytes))
        return staged

    @staticmethod
    def _write_staged(
        batches: Iterator[pa.RecordBatch], stage: Path, basename: str = "part-{i}.parquet"
    ) -> None:
        parquet = pads.ParquetFileFormat()
        options = parquet.make_write_options(**PARQUET_OPTIONS)
        pads.write_dataset(
            batches,
            stage / "data",
            schema=STAGED_SCHEMA,
            format=parquet,
            file_options=options,
            partitioning=pads.partitioning(pa.schema([("month", pa.string())]), flavor="hive"),
            basename_template=basename,
            existing_data_behavior="overwrite_or_ignore",
            max_rows_per_group=ROWS_PER_GROUP,
            min_rows_per_group=MIN_ROWS_PER_GROUP,
        )

    @staticmethod
    def _hold_back(
        stage: Path,
        staged: _Staged,
        chunk: RawChunk,
        good: pa.RecordBatch,
        lookup: Future[np.ndarray],
    ) -> Iterator[pa.RecordBatch]:
        """Yield a chunk's rows to write; spill those that may repeat a line to ``held/``."""
        seen = lookup.result()
        if not seen.any():
            if good.num_rows:
                yield good
            return
        assert staged.validator is not None
        held = good.filter(pa.array(seen))
        rows = held.column("source_row")
        # Their text as read, for the quarantine (rows are in file order in a chunk).
        at = pa.array(np.searchsorted(chunk.source_row.to_numpy(), rows.to_numpy()))
        n = held.num_rows
        text = pa.table(
            {
                **{
                    name: as_text(pc.take(chunk.columns[name], at))
                    for name in staged.validator.source_columns
                },
                "_source_row": rows,
                "_reason": pa.array([DUPLICATE_LINE] * n, pa.string()),
                "_detail": pa.nulls(n, pa.string()),
                "_raw_line": pa.nulls(n, pa.string()),
            },
            schema=staged.validator.quarantine_schema,
        )
        if staged.held_writer is None:
            (stage / "held").mkdir()
            staged.held_writer = pq.ParquetWriter(stage / "held" / "rows.parquet", STAGED_SCHEMA)
            staged.held_text_writer = pq.ParquetWriter(stage / "held" / "text.parquet", text.schema)
        assert staged.held_text_writer is not None
        staged.held_writer.write_batch(held)
        staged.held_text_writer.write_table(text)
        kept = good.filter(pa.array(~seen))
        if kept.num_rows:
            yield kept

    def _release_held(self, staged: _Staged, stage: Path, file: str) -> dict[int, str]:
        """Compare the held-back rows with every row before them, by value: quarantine
        those that repeat one, store the others. Returns the repeats' explanations."""
        if staged.held_writer is None or staged.held_text_writer is None:
            return {}
        staged.held_writer.close()
        staged.held_text_writer.close()
        staged.held_writer = staged.held_text_writer = None
        held = str(stage / "held" / "rows.parquet")
        con = duckdb.connect()
        try:
            con.execute("SET preserve_insertion_order = false")
            months = [
                str(stage / "data" / f"month={m}" / "*.parquet")
                for (m,) in con.execute(
                    "SELECT DISTINCT month FROM read_parquet($held)", {"held": held}
                ).fetchall()
            ]
            months = [m for m in months if list(Path(m).parent.glob("*.parquet"))]
            stored = (
                "SELECT clinic_id, date, sku, units, net_revenue, currency, source_row "
                "FROM read_parquet($stored) UNION ALL "
                if months
                else ""
            )
            found = con.execute(
                f"""
                WITH held AS (SELECT * FROM read_parquet($held)),
                earlier AS (
                  {stored}
                  SELECT clinic_id, date, sku, units, net_revenue, currency, source_row FROM held
                )
                SELECT h.source_row, min(e.source_row)
                FROM held h
                JOIN earlier e
                  ON h.clinic_id = e.clinic_id AND h.date = e.date AND h.sku = e.sku
                 AND h.units = e.units
                 AND h.net_revenue IS NOT DISTINCT FROM e.net_revenue
                 AND h.currency IS NOT DISTINCT FROM e.currency
                 AND e.source_row < h.source_row
                GROUP BY h.source_row
                """,
                {"held": held, "stored": months} if months else {"held": held},
            ).fetchall()
        finally:
            con.close()
        first = {int(row): int(earlier) for row, earlier in found}
        repeats = pa.array(sorted(first), pa.int64())
        # The few held rows that repeat nothing (a shared 64-bit hash) are stored now.
        rest = pq.read_table(held, schema=STAGED_SCHEMA)
        rest = rest.filter(pc.invert(pc.is_in(rest["source_row"], value_set=repeats)))
        if rest.num_rows:
            self._write_staged(iter(rest.to_batches()), stage, "held-{i}.parquet")
        text = pq.read_table(stage / "held" / "text.parquet")
        text = text.filter(pc.is_in(text["_source_row"], value_set=repeats))
        details = {
            row: DETAIL_DUPLICATE_IN_FILE.format(file=file, row=row, first=earlier)
            for row, earlier in sorted(first.items())
        }
        if text.num_rows:
            self._write_quarantine(
                stage,
                staged,
                text.set_column(
                    text.schema.get_field_index("_detail"),
                    "_detail",
                    pa.array([details[r] for r in text["_source_row"].to_pylist()], pa.string()),
                ),
            )
        return details

    @staticmethod
    def _write_quarantine(stage: Path, staged: _Staged, table: pa.Table) -> None:
        if staged.quarantine_writer is None:
            staged.quarantine_writer = pq.ParquetWriter(
                stage / "quarantine" / "part-0.parquet", table.schema
            )
        staged.quarantine_writer.write_table(table)
        staged.rows_quarantined += table.num_rows

    def _remove_duplicates(
        self, staged: _Staged, reader: SalesFileReader, stage: Path, file: str
    ) -> None:
        """Move repeated lines (within the file or of stored batches) to the quarantine."""
        in_file = self._release_held(staged, stage, file)
        if in_file:
            staged.rows_stored -= len(in_file)
            staged.reasons.append({DUPLICATE_LINE: len(in_file)})
        details = self._duplicates_of_stored(stage, file, exclude=set(in_file))
        if not details or staged.validator is None:
            return
        rows = sorted(details)
        self._drop_rows(stage, pa.array(rows, pa.int64()))
        # The stored rows are typed; the quarantine keeps the text as it was in the file.
        raw = reader.rows_text(rows)
        self._write_quarantine(stage, staged, staged.validator.duplicate_rows(raw, details))
        staged.rows_stored -= len(details)
        staged.reasons.append({DUPLICATE_LINE: len(details)})

    @staticmethod
    def _drop_rows(stage: Path, rows: pa.Array) -> None:
        """Rewrite the staged month files that hold any of ``rows``, without them."""

        def drop(part: Path) -> None:
            table = pq.read_table(part)
            keep = pc.invert(pc.is_in(table["source_row"], value_set=rows))
            kept = table.filter(keep)
            if kept.num_rows == table.num_rows:
                return
            part.unlink()
            if kept.num_rows:
                pq.write_table(kept, part, row_group_size=ROWS_PER_GROUP, **PARQUET_OPTIONS)

        # Month files are independent and pyarrow releases the GIL: rewrite them in parallel.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(drop, sorted((stage / "data").glob("month=*/*.parquet"))))
        for month_dir in (stage / "data").glob("month=*"):
            if not any(month_dir.iterdir()):
                month_dir.rmdir()

    def _duplicates_of_stored(self, stage: Path, file: str, exclude: set[int]) -> dict[int, str]:
        stored = self.files()
        staged_months = {p.name for p in (stage / "data").glob("month=*")}
        stored = [f for f in stored if f.parent.parent.name in staged_months]
        if not stored:
            return {}
        new = [str(p) for p in sorted((stage / "data").glob("month=*/*.parquet"))]
        con = duckdb.connect()
        try:
            con.execute("SET preserve_insertion_order = false")
            found = con.execute(
                """
                SELECT n.source_row, min(s.batch_id)
                FROM read_parquet($new) n
                JOIN read_parquet($stored) s
                  ON n.clinic_id = s.clinic_id AND n.date = s.date AND n.sku = s.sku
                 AND n.units = s.units
                 AND n.net_revenue IS NOT DISTINCT FROM s.net_revenue
                 AND n.currency IS NOT DISTINCT FROM s.currency
                GROUP BY n.source_row
                """,
                {"new": new, "stored": [str(p) for p in stored]},
            ).fetchall()
        finally:
            con.close()
        return {
            int(row): DETAIL_DUPLICATE_STORED.format(file=file, row=int(row), batch=batch)
            for row, batch in found
            if int(row) not in exclude
        }

    def _commit(
        self, staged: _Staged, batch_id: str, stage: Path, source_name: str
    ) -> ImportReport:
        months = sorted(p.name.removeprefix("month=") for p in (stage / "data").glob("month=*"))
        reasons = reason_counts(staged.reasons)
        for month in months:
            target = self.root / "data" / f"month={month}"
            target.mkdir(parents=True, exist_ok=True)
            self._move(stage / "data" / f"month={month}", target / f"batch={batch_id}")
        if staged.quarantine_writer is not None:
            staged.quarantine_writer.close()
            staged.quarantine_writer = None
            (self.root / "quarantine").mkdir(parents=True, exist_ok=True)
            self._move(stage / "quarantine", self.root / "quarantine" / f"batch={batch_id}")
        info = BatchInfo(
            batch_id=batch_id,
            source_name=source_name,
            content_hash=staged.content_hash,
            imported_at=self._clock().isoformat(),
            rows_read=staged.rows_read,
            rows_stored=staged.rows_stored,
            rows_quarantined=staged.rows_quarantined,
            reasons=reasons,
            months=tuple(months),
        )
        # Writing the manifest is the commit: until it lands, readers do not see the batch.
        self._write_manifest([*self._read_manifest(), info])
        return ImportReport(
            batch_id=batch_id,
            rows_read=staged.rows_read,
            rows_stored=staged.rows_stored,
            rows_quarantined=staged.rows_quarantined,
            reasons=reasons,
            source_name=source_name,
            content_hash=staged.content_hash,
            months=tuple(months),
        )

    @staticmethod
    def _close(staged: _Staged | None) -> None:
        if staged is None:
            return
        for writer in (staged.quarantine_writer, staged.held_writer, staged.held_text_writer):
            if writer is not None:
                writer.close()
        staged.quarantine_writer = staged.held_writer = staged.held_text_writer = None
        if staged.validator is not None:
            staged.validator.close()

    @staticmethod
    def _move(source: Path, target: Path) -> None:
        os.rename(source, target)

    def _active_with_hash(self, content_hash: str) -> str | None:
        for b in self._read_manifest():
            if b.status == "active" and b.content_hash == content_hash:
                return b.batch_id
        return None

    def _new_batch_id(self) -> str:
        # Sortable by import time; the random tail keeps ids unique within a second.
        return f"{self._clock():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"

    # -- manifest, locking, recovery --------------------------------------------

    def _read_manifest(self) -> list[BatchInfo]:
        path = self.root / MANIFEST
        if not path.exists():
            return []
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [BatchInfo.from_json(b) for b in raw["batches"]]

    def _write_manifest(self, batches: list[BatchInfo]) -> None:
        payload = json.dumps(
            {"format": MANIFEST_FORMAT, "batches": [b.to_json() for b in batches]}, indent=1
        )
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".manifest-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.root / MANIFEST)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _recover(self) -> None:
        """Remove what an interrupted import or rollback left behind (lock held)."""
        shutil.rmtree(self.root / "staging", ignore_errors=True)
        for leftover in self.root.glob(".manifest-*.json"):
            leftover.unlink(missing_ok=True)
        active = {b.batch_id for b in self._read_manifest() if b.status == "active"}
        for folder in [
            *self.root.glob("data/month=*/batch=*"),
            *self.root.glob("quarantine/batch=*"),
        ]:
            if folder.name.removeprefix("batch=") not in active:
                shutil.rmtree(folder, ignore_errors=True)
        for month in self.root.glob("data/month=*"):
            with contextlib.suppress(OSError):
                month.rmdir()  # only succeeds when empty

    def _remove_batch_files(self, batch_id: str) -> None:
        for folder in [
            *self.root.glob(f"data/month=*/batch={batch_id}"),
            *self.root.glob(f"quarantine/batch={batch_id}"),
        ]:
            shutil.rmtree(folder, ignore_errors=True)
        for month in self.root.glob("data/month=*"):
            with contextlib.suppress(OSError):
                month.rmdir()


def _seen_before(validator: ChunkValidator, seen: SeenKeys, good: pa.RecordBatch) -> np.ndarray:
    """True for the stored rows whose key hash an earlier row of the file had."""
    return seen.add(validator.key_hash(good))


def _expected_rows(first: RawChunk, total_bytes: int) -> int:
    """Rows a file will have, judged from the text of its first chunk's rows.

    (The reader's position says little: it reads ahead.) Over-estimating costs memory,
    under-estimating only lets the hash tables grow.
    """
    if not first.num_rows:
        return 0
    text = sum(per_value(c, pc.utf8_length).to_numpy().sum() for c in first.columns.values())
    per_row = text / first.num_rows + len(first.columns)  # delimiters and line break
    return int(total_bytes / per_row)
