"""Readers turn a sales file into chunks of text columns, whatever its format.

Every reader yields :class:`RawChunk` objects: the file's own columns as Arrow string
arrays (the original text, so refused rows can be quarantined as they were), the row
number of each record as a spreadsheet shows it (header = row 1) and any rows that could
not be split into the header's columns. Memory is bounded by the chunk size, never by
the file size.

CSV files are read by pyarrow's streaming reader (fast path). When the file holds
anything that reader cannot number exactly (a row with the wrong number of fields, a
blank line, a quoted line break, bytes that are not valid in the sniffed encoding), the
importer starts over with :class:`ExactCsvReader`, which uses Python's :mod:`csv`
module: slower, but it keeps every row and its true line number.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import threading
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from onevoice.analytics.warehouse.errors import (
    EMPTY_FILE,
    UNREADABLE_FILE,
    UNSUPPORTED_FORMAT,
    ImportRefused,
)
from onevoice.analytics.warehouse.mapping import ColumnMapping

CHUNK_ROWS = 65_536
CSV_BLOCK_BYTES = 8 << 20
SNIFF_BYTES = 1 << 20
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
DELIMITERS = ",;\t|"

# Python's csv module refuses fields over 128 KiB by default; a pasted note in a
# distributor export can be longer and must not abort the import.
csv.field_size_limit(max(csv.field_size_limit(), 64 << 20))


class FastPathUnavailable(Exception):
    """The fast CSV reader met something it cannot number exactly; use ExactCsvReader."""


@dataclass(frozen=True)
class MalformedRow:
    """A record whose fields do not line up with the header."""

    row: int
    text: str
    fields: int


@dataclass
class RawChunk:
    """A slice of the file: text columns keyed by the (de-duplicated) header names."""

    columns: dict[str, pa.Array]
    source_row: pa.Array
    malformed: list[MalformedRow] = field(default_factory=list)
    bytes_read: int = 0

    @property
    def num_rows(self) -> int:
        """Rows split into fields (malformed rows are counted separately)."""
        return len(self.source_row)


@dataclass(frozen=True)
class CsvDialect:
    """What sniffing decided about a CSV file."""

    encoding: str
    delimiter: str


class _HashingFile(io.RawIOBase):
    """Read-through file wrapper that hashes and counts the bytes as they stream by.

    Hashing while reading saves a separate pass over large files.
    """

    def __init__(self, path: Path) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115  # closed by close()
        self._hash = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer)
        if n:
            self._see(bytes(memoryview(buffer)[:n]))
        return n or 0

    def read(self, size: int | None = -1) -> bytes:
        data = self._fh.read(-1 if size is None else size)
        self._see(data)
        return data

    def _see(self, data: bytes) -> None:
        self._hash.update(data)
        self.bytes_read += len(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def close(self) -> None:
        self._fh.close()
        super().close()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CSV_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


class SalesFileReader(ABC):
    """Common interface of the readers."""

    kind = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.total_bytes = path.stat().st_size
        self.header: list[str] = []
        self._hash = ""

    @property
    def column_names(self) -> list[str]:
        """Header names made unique (a repeated name gets a ``__2`` suffix)."""
        return unique_names(self.header)

    @abstractmethod
    def chunks(self) -> Iterator[RawChunk]:
        """Yield the file's records in order, a bounded chunk at a time."""

    def content_hash(self) -> str:
        """SHA-256 of the file's bytes."""
        if not self._hash:
            self._hash = file_sha256(self.path)
        return self._hash

    def rows_text(self, rows: Sequence[int]) -> pa.Table:
        """The original text of the given records (``column_names`` + ``_source_row``).

        This default reads the file again; CSV readers seek to the lines instead.
        """
        wanted = pa.array(sorted(set(rows)), pa.int64())
        parts = []
        for chunk in self.chunks():
            mask = pc.is_in(chunk.source_row, value_set=wanted)
            if pc.any(mask).as_py():
                parts.append(
                    pa.table(
                        {
                            **{
                                n: as_text(pc.filter(chunk.columns[n], mask))
                                for n in self.column_names
                            },
                            "_source_row": pc.filter(chunk.source_row, mask),
                        }
                    )
                )
        return pa.concat_tables(parts) if parts else self._empty_text()

    def _empty_text(self) -> pa.Table:
        return pa.table(
            {
                **{n: pa.array([], pa.string()) for n in self.column_names},
                "_source_row": pa.array([], pa.int64()),
            }
        )

    def refuse(self, reason: object) -> ImportRefused:
        """An ImportRefused naming this file."""
        return ImportRefused(
            UNREADABLE_FILE.format(file=self.path.name, kind=self.kind, reason=reason)
        )


def unique_names(header: Sequence[str]) -> list[str]:
    """Make header names unique, keeping the first occurrence of each name unchanged."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        n = seen.get(name, 0) + 1
        seen[name] = n
        out.append(name if n == 1 else f"{name}__{n}")
    return out


def sniff_csv(path: Path, mapping: ColumnMapping) -> CsvDialect:
    """Decide a CSV file's encoding and delimiter from its first megabyte.

    A byte-order mark wins; otherwise UTF-8 if the sample decodes, else Windows-1252
    (what spreadsheet exports on European Windows machines write), else Latin-1, which
    decodes anything. The delimiter is the candidate that splits the first lines most
    consistently.
    """
    with open(path, "rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    encoding = mapping.encoding or _sniff_encoding(sample)
    if mapping.delimiter:
        return CsvDialect(encoding, mapping.delimiter)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    return CsvDialect(encoding, _sniff_delimiter(text))


def _sniff_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # final=False: the sample may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    # The sniffer gives up on short or irregular files; then trust the header line.
    counts = {d: lines[0].count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_header(path: Path, dialect: CsvDialect) -> tuple[list[str], bool]:
    """Return the header fields and whether the header is the file's first line."""
    with open(path, encoding=dialect.encoding, errors="replace", newline="") as fh:
        first_line = True
        for record in csv.reader(fh, delimiter=dialect.delimiter):
            if record and any(cell.strip() for cell in record):
                return [cell.strip().lstrip("\ufeff") for cell in record], first_line
            first_line = False
    return [], False


# Encodings in which byte 0x0A is always a line break (UTF-16 is not one of them).
_LINE_SEEKABLE = {"utf-8", "utf-8-sig", "cp1252", "latin-1"}
SEEK_LIMIT = 10_000


class _CsvRowsText(SalesFileReader):
    """Fetch a few records' text by seeking to their first line (rows are line numbers)."""

    dialect: CsvDialect

    def rows_text(self, rows: Sequence[int]) -> pa.Table:
        wanted = sorted(set(rows))
        if not wanted or len(wanted) > SEEK_LIMIT or self.dialect.encoding not in _LINE_SEEKABLE:
            return super().rows_text(wanted)
        offsets = _line_offsets(self.path, wanted)
        names = self.column_names
        buffers: list[list[str]] = [[] for _ in names]
        with open(self.path, "rb") as fh:
            for line in wanted:
                fh.seek(offsets[line])
                text = io.TextIOWrapper(
                    fh, encoding=self.dialect.encoding, errors="replace", newline=""
                )
                record = next(csv.reader(text, delimiter=self.dialect.delimiter, strict=False), [])
                text.detach()  # keep fh open for the next seek
                record = (record + [""] * len(names))[: len(names)]
                for buf, cell in zip(buffers, record, strict=True):
                    buf.append(cell)
        return pa.table(
            {
                **{n: pa.array(b, pa.string()) for n, b in zip(names, buffers, strict=True)},
                "_source_row": pa.array(wanted, pa.int64()),
            }
        )


def _line_offsets(path: Path, lines: Sequence[int]) -> dict[int, int]:
    """Byte offset where each of the (sorted, 1-based) ``lines`` starts."""
    offsets: dict[int, int] = {}
    pending = [line for line in lines if line > 1]
    if len(pending) < len(lines):
        offsets[1] = 0
    breaks_before = 0  # line breaks seen before the current block
    position = 0
    i = 0
    with open(path, "rb") as fh:
        while i < len(pending) and (block := fh.read(CSV_BLOCK_BYTES)):
            count = block.count(b"\n")
            # Line k starts right after the (k-1)-th line break.
            if pending[i] - 1 <= breaks_before + count:
                breaks = np.flatnonzero(np.frombuffer(block, np.uint8) == 0x0A)
                while i < len(pending) and pending[i] - 1 <= breaks_before + count:
                    offsets[pending[i]] = position + int(breaks[pending[i] - 2 - breaks_before]) + 1
                    i += 1
            breaks_before += count
            position += len(block)
    return offsets


class FastCsvReader(_CsvRowsText):
    """pyarrow streaming CSV reader; raises FastPathUnavailable on anything irregular.

    pyarrow reads the file itself (no Python file object in between, so parsing does
    not wait for the GIL) and parses the next block in a helper thread while the caller
    validates the current one; a second thread hashes the bytes and counts the line
    breaks. Columns named in ``dictionary_columns`` come out dictionary-encoded: ids,
    dates and units repeat a lot, so validation parses each distinct text once.
    """

    kind = "CSV"

    def __init__(self, path: Path, dialect: CsvDialect) -> None:
        super().__init__(path)
        self.dialect = dialect
        self.header, self._header_first = _read_header(path, dialect)
        self.dictionary_columns: set[str] = set()
        if not self.header:
            raise ImportRefused(EMPTY_FILE.format(file=path.name))

    def chunks(self) -> Iterator[RawChunk]:
        if not self._header_first or len(self.header) < 2:
            raise FastPathUnavailable("header is not on line 1")
        irregular: list[int] = []
        stop = threading.Event()
        try:
            # Leaving the block waits for the helpers, then closes the file.
            with pa.OSFile(str(self.path)) as source, ThreadPoolExecutor(2) as helpers:
                scan = helpers.submit(_scan_bytes, self.path, stop)
                try:
                    reader = self._open(source, irregular)
                    next_row = 2
                    pending = helpers.submit(_next_batch, reader)
                    while (batch := pending.result()) is not None:
                        if irregular:
                            raise FastPathUnavailable(f"{len(irregular)} irregular row(s)")
                        pending = helpers.submit(_next_batch, reader)
                        yield self._chunk(batch, next_row, min(source.tell(), self.total_bytes))
                        next_row += batch.num_rows
                    if irregular:
                        raise FastPathUnavailable(f"{len(irregular)} irregular row(s)")
                    digest, lines = scan.result()
                finally:
                    stop.set()
            if lines != next_row - 1:
                # A quoted value spanned lines: record numbers are not line numbers.
                raise FastPathUnavailable("records span several lines")
            self._hash = digest
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise FastPathUnavailable(str(exc)) from exc

    def _open(self, source: pa.NativeFile, irregular: list[int]) -> pacsv.CSVStreamingReader:
        def on_invalid(row: Any) -> str:
            irregular.append(row.actual_columns)
            return "skip"

        names = self.column_names
        encoding = (
            "utf8" if self.dialect.encoding in ("utf-8", "utf-8-sig") else self.dialect.encoding
        )
        text = pa.dictionary(pa.int32(), pa.string())
        return pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(
                block_size=CSV_BLOCK_BYTES, column_names=names, skip_rows=1, encoding=encoding
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=self.dialect.delimiter,
                newlines_in_values=False,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    n: text if n in self.dictionary_columns else pa.string() for n in names
                },
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    def _chunk(self, batch: pa.RecordBatch, first_row: int, bytes_read: int) -> RawChunk:
        n = batch.num_rows
        rows = pa.array(np.arange(first_row, first_row + n, dtype=np.int64))
        columns = dict(zip(self.column_names, batch.columns, strict=True))
        blank = _blank_rows(columns)
        if blank is not None:
            # Blank lines are not records (the exact reader skips them too).
            keep = pc.invert(blank)
            columns = {k: pc.filter(c, keep) for k, c in columns.items()}
            rows = pc.filter(rows, keep)
        return RawChunk(columns=columns, source_row=rows, bytes_read=bytes_read)


def _next_batch(reader: pacsv.CSVStreamingReader) -> pa.RecordBatch | None:
    try:
        return reader.read_next_batch()
    except StopIteration:
        return None


def _scan_bytes(path: Path, stop: threading.Event) -> tuple[str, int]:
    """SHA-256 of the file and its number of lines (a last line without a break counts)."""
    digest = hashlib.sha256()
    newlines = 0
    last = b""
    with open(path, "rb") as fh:
        while not stop.is_set() and (block := fh.read(CSV_BLOCK_BYTES)):
            digest.update(block)
            newlines += block.count(b"\n")
            last = block[-1:]
    return digest.hexdigest(), newlines + (1 if last not in (b"", b"\n") else 0)


def _blank_rows(columns: dict[str, pa.Array]) -> pa.Array | None:
    """Mask of rows whose every field is empty, or None when there are none."""
    first = next(iter(columns.values()))
    # Cheap test first: a blank row has an empty first field.
    if not pc.any(per_value(first, lambda v: pc.equal(v, ""))).as_py():
        return None
    mask = None
    for column in columns.values():
        empty = per_value(column, lambda v: pc.equal(pc.utf8_trim_whitespace(v), ""))
        mask = empty if mask is None else pc.and_(mask, empty)
    return mask if pc.any(mask).as_py() else None


def per_value(column: pa.Array, compute: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """``compute`` applied to every value of a text column.

    On a dictionary-encoded column it runs once per distinct text, then each row takes
    its value's result: parsing a few hundred distinct dates instead of every row's.
    """
    if pa.types.is_dictionary(column.type):
        return pc.take(compute(column.dictionary), column.indices)
    return compute(column)


def as_text(column: pa.Array) -> pa.Array:
    """A text column as a plain string array (dictionary-encoded columns decoded)."""
    if pa.types.is_dictionary(column.type):
        return column.dictionary_decode()
    return column


class ExactCsvReader(_CsvRowsText):
    """Python csv-module reader: keeps every record, numbers rows by their first line."""

    kind = "CSV"

    def __init__(self, path: Path, dialect: CsvDialect) -> None:
        super().__init__(path)
        self.dialect = dialect
        self.header, _ = _read_header(path, dialect)
        if not self.header:
            raise ImportRefused(EMPTY_FILE.format(file=path.name))

    def chunks(self) -> Iterator[RawChunk]:
        names = self.column_names
        width = len(names)
        source = _HashingFile(self.path)
        text = io.TextIOWrapper(
            io.BufferedReader(source), encoding=self.dialect.encoding, errors="replace", newline=""
        )
        try:
            reader = csv.reader(text, delimiter=self.dialect.delimiter, strict=False)
            buffers: list[list[str]] = [[] for _ in names]
            rows: list[int] = []
            malformed: list[MalformedRow] = []
            header_seen = False
            last_line = 0
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    # The csv module can continue after most errors; the offending
                    # record is kept as a malformed row rather than lost.
                    malformed.append(MalformedRow(last_line + 1, str(exc), 0))
                    last_line = reader.line_num
                    continue
                start_line = last_line + 1
                last_line = reader.line_num
                if not record or not any(cell.strip() for cell in record):
                    continue
                if not header_seen:
                    header_seen = True
                    continue
                if len(record) != width:
                    malformed.append(
                        MalformedRow(start_line, _join(record, self.dialect.delimiter), len(record))
                    )
                else:
                    for buf, cell in zip(buffers, record, strict=True):
                        buf.append(cell)
                    rows.append(start_line)
                if len(rows) + len(malformed) >= CHUNK_ROWS:
                    yield self._chunk(names, buffers, rows, malformed, source.bytes_read)
                    buffers, rows, malformed = [[] for _ in names], [], []
            if rows or malformed:
                yield self._chunk(names, buffers, rows, malformed, source.bytes_read)
            self._hash = source.hexdigest()
        finally:
            text.close()

    @staticmethod
    def _chunk(
        names: list[str],
        buffers: list[list[str]],
        rows: list[int],
        malformed: list[MalformedRow],
        nbytes: int,
    ) -> RawChunk:
        return RawChunk(
            columns={n: pa.array(b, pa.string()) for n, b in zip(names, buffers, strict=True)},
            source_row=pa.array(rows, pa.int64()),
            malformed=malformed,
            bytes_read=nbytes,
        )


def _join(record: list[str], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(record)
    return out.getvalue()


def cell_text(value: Any) -> str:
    """Text of a spreadsheet cell as an analyst would read it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# What reading a damaged .xlsx (a zip of XML parts) raises once it has opened: the zip,
# its compression, the XML, a missing part, a value that does not parse. Anything else
# is a bug of ours and is not dressed up as a damaged file.
DAMAGED_WORKBOOK: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    KeyError,
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    ElementTree.ParseError,
)


class XlsxReader(SalesFileReader):
    """Excel reader (openpyxl, read-only streaming mode); rows numbered as Excel shows them."""

    kind = "Excel workbook"

    def __init__(self, path: Path, sheet: str | None) -> None:
        super().__init__(path)
        import openpyxl  # imported here: only Excel imports need it

        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a corrupt file
            raise self.refuse(exc) from exc
        if sheet is not None and sheet not in self._book.sheetnames:
            raise self.refuse(f"no sheet {sheet!r}; sheets are {', '.join(self._book.sheetnames)}")
        self._sheet = self._book[sheet] if sheet is not None else self._book.worksheets[0]
        self._header_row = 0
        try:
            for row_no, values in enumerate(self._sheet.iter_rows(values_only=True), start=1):
                cells = [cell_text(v).strip() for v in values]
                if any(cells):
                    while cells and not cells[-1]:
                        cells.pop()
                    self.header, self._header_row = cells, row_no
                    break
        except DAMAGED_WORKBOOK as exc:
            raise self.refuse(exc) from exc
        if not self.header:
            raise ImportRefused(EMPTY_FILE.format(file=path.name))

    def chunks(self) -> Iterator[RawChunk]:
        names = self.column_names
        width = len(names)
        buffers: list[list[str]] = [[] for _ in names]
        rows: list[int] = []
        try:
            it = self._sheet.iter_rows(min_row=self._header_row + 1, values_only=True)
            for row_no, values in enumerate(it, start=self._header_row + 1):
                cells = [cell_text(v) for v in values[:width]]
                if not any(c.strip() for c in cells):
                    continue
                cells += [""] * (width - len(cells))
                for buf, cell in zip(buffers, cells, strict=True):
                    buf.append(cell)
                rows.append(row_no)
                if len(rows) >= CHUNK_ROWS:
                    yield ExactCsvReader._chunk(names, buffers, rows, [], 0)
                    buffers, rows = [[] for _ in names], []
            if rows:
                yield ExactCsvReader._chunk(names, buffers, rows, [], 0)
        except DAMAGED_WORKBOOK as exc:  # a damaged sheet shows only when it is read
            raise self.refuse(exc) from exc
        finally:
            self._book.close()


class ParquetReader(SalesFileReader):
    """Parquet reader: typed columns are turned into text (dates as ISO dates)."""

    kind = "Parquet file"

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        try:
            self._file = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise self.refuse(exc) from exc
        self.header = list(self._file.schema_arrow.names)
        if not self.header:
            raise ImportRefused(EMPTY_FILE.format(file=path.name))

    def chunks(self) -> Iterator[RawChunk]:
        names = self.column_names
        next_row = 1
        try:
            for batch in self._file.iter_batches(batch_size=CHUNK_ROWS):
                n = batch.num_rows
                yield RawChunk(
                    columns={
                        name: _as_text(col) for name, col in zip(names, batch.columns, strict=True)
                    },
                    source_row=pa.array(np.arange(next_row, next_row + n, dtype=np.int64)),
                    bytes_read=0,
                )
                next_row += n
        # A damaged page shows only when read: pyarrow raises OSError for what it cannot
        # decode (e.g. "Couldn't deserialize thrift").
        except (pa.ArrowException, OSError) as exc:
            raise self.refuse(exc) from exc


def _as_text(column: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.date32())
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if not pa.types.is_string(column.type):
        column = column.cast(pa.string())
    return column.fill_null("")


def open_sales_file(
    path: str | Path, mapping: ColumnMapping, *, exact: bool = False
) -> SalesFileReader:
    """Open a sales file with the reader its extension calls for.

    ``exact=True`` forces the slower, always-exact CSV reader.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportRefused(UNREADABLE_FILE.format(file=path, kind="a file", reason="no such file"))
    if suffix in CSV_SUFFIXES:
        if path.stat().st_size == 0:
            raise ImportRefused(EMPTY_FILE.format(file=path.name))
        dialect = sniff_csv(path, mapping)
        return ExactCsvReader(path, dialect) if exact else FastCsvReader(path, dialect)
    if suffix == ".xlsx":
        return XlsxReader(path, mapping.sheet)
    if suffix == ".parquet":
        return ParquetReader(path)
    raise ImportRefused(UNSUPPORTED_FORMAT.format(file=path.name, suffix=suffix))
