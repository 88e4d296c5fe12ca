"""Row-level validation of sales records.

Each refused row gets exactly one reason (the first that applies, in the order of
:data:`REASONS`), so the reason counts add up to the rows quarantined. The checks are
vectorised over a chunk with pyarrow; DuckDB parses the text that pyarrow's strict casts
reject (trimmed values, other date formats, decimal commas).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onevoice.analytics.warehouse.mapping import ColumnMapping
from onevoice.analytics.warehouse.products import ProductMaster
from onevoice.analytics.warehouse.readers import RawChunk, as_text, per_value

UNKNOWN_CLINIC = "unknown_clinic"
UNKNOWN_SKU = "unknown_sku"
UNPARSEABLE_DATE = "unparseable_date"
DATE_OUT_OF_WINDOW = "date_out_of_window"
NON_NUMERIC_UNITS = "non_numeric_units"
NEGATIVE_UNITS = "negative_units"
NON_NUMERIC_REVENUE = "non_numeric_revenue"
DUPLICATE_LINE = "duplicate_line"
MALFORMED_ROW = "malformed_row"

#: Every reason a row can be refused for; a row gets the first that applies.
REASONS: tuple[str, ...] = (
    MALFORMED_ROW,
    UNKNOWN_CLINIC,
    UNKNOWN_SKU,
    UNPARSEABLE_DATE,
    DATE_OUT_OF_WINDOW,
    NON_NUMERIC_UNITS,
    NEGATIVE_UNITS,
    NON_NUMERIC_REVENUE,
    DUPLICATE_LINE,
)

DETAIL_UNKNOWN_CLINIC = "{file}: row {row}, column {column!r}: unknown clinic {value!r}"
DETAIL_UNKNOWN_CLINIC_MAPPED = (
    "{file}: row {row}, column {column!r}: distributor id {value!r} maps to {mapped!r}, "
    "which is not a known clinic"
)
DETAIL_UNKNOWN_SKU = "{file}: row {row}, column {column!r}: unknown SKU {value!r}"
DETAIL_UNPARSEABLE_DATE = (
    "{file}: row {row}, column {column!r}: cannot read {value!r} as a date (format {fmt})"
)
DETAIL_DATE_OUT_OF_WINDOW = (
    "{file}: row {row}, column {column!r}: date {value!r} is outside the plausible window "
    "{earliest} to {latest}"
)
DETAIL_NON_NUMERIC_UNITS = "{file}: row {row}, column {column!r}: units {value!r} is not a number"
DETAIL_NEGATIVE_UNITS = "{file}: row {row}, column {column!r}: units {value!r} is negative"
DETAIL_NON_NUMERIC_REVENUE = (
    "{file}: row {row}, column {column!r}: net revenue {value!r} is not a number"
)
DETAIL_DUPLICATE_IN_FILE = "{file}: row {row} repeats row {first} of the same file"
DETAIL_DUPLICATE_STORED = "{file}: row {row} repeats a line already stored in batch {batch}"
DETAIL_MALFORMED = "{file}: row {row} has {fields} field(s) but the header has {width}"

ISO_DATE = "%Y-%m-%d"
#: Date and period formats tried when the mapping names none, in order of preference.
DATE_FORMATS: tuple[str, ...] = (
    ISO_DATE,
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%Y%m%d",
    "%d.%m.%y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%Y-%m",
    "%Y%m",
    "%m/%Y",
    "%m.%Y",
    "%b %Y",
    "%B %Y",
    "%d %b %Y",
)
_SAMPLE = 2000
_MONTH_BASE_YEAR = 1900
_MONTH_LABELS = pa.array(
    [f"{y:04d}-{m:02d}" for y in range(_MONTH_BASE_YEAR, 2200) for m in range(1, 13)], pa.string()
)
_TRIM = " \t\r\n\u00a0\u202f"
# Thousands separators allowed in decimal-comma files: dot, space, no-break spaces.
_NUMBER_DOT = r"[+-]?((\d{1,3}(,\d{3})+|\d+)(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
# What pyarrow's cast reads as it is (decimal point), and plain decimal-comma numbers
# with dots between thousands; everything else goes to DuckDB.
_PLAIN_DOT = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_PLAIN_COMMA = r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"
_NULL_DATE = pa.scalar(None, pa.date32())
# An ISO date, possibly followed by a time ("2025-03-04 10:30" from spreadsheet exports).
_ISO_HEAD = r"^(?P<d>\d{4}-\d{1,2}-\d{1,2})(?:[T ].*)?$"
_SEED_1 = np.uint64(0x9E3779B97F4A7C15)
MAX_CLINICS = 1 << 24
MAX_SKUS = 1 << 16
TOO_MANY = "the reference has {count:,} {what}; the importer handles at most {limit:,}"
_NUMBER_COMMA = "[+-]?((\\d{1,3}([. \u00a0\u202f]\\d{3})+|\\d+)(,\\d*)?|,\\d+)"

STORED_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("source_row", pa.int64()),
        ("clinic_id", pa.string()),
        ("date", pa.date32()),
        ("sku", pa.string()),
        ("units", pa.float64()),
        ("net_revenue", pa.float64()),
        ("currency", pa.string()),
    ]
)
#: The stored columns plus the month partition key.
_DICT = pa.dictionary(pa.int32(), pa.string())
#: What the importer writes: repeated text as dictionary arrays, which the Parquet writer
#: stores without hashing every value again (reading back with STORED_SCHEMA gives text).
STAGED_SCHEMA = pa.schema(
    [
        ("batch_id", _DICT),
        ("source_row", pa.int64()),
        ("clinic_id", _DICT),
        ("date", pa.date32()),
        ("sku", _DICT),
        ("units", pa.float64()),
        ("net_revenue", pa.float64()),
        ("currency", _DICT),
        ("month", _DICT),
    ]
)
#: Columns the quarantine adds after the file's own: the row number, the reason, the
#: explanation, and the line as read when its fields did not line up with the header.
QUARANTINE_META = ("_source_row", "_reason", "_detail", "_raw_line")
#: The field whose text each row-level reason quotes.
_REASON_FIELD = {
    UNKNOWN_CLINIC: "clinic_id",
    UNKNOWN_SKU: "sku",
    UNPARSEABLE_DATE: "date",
    DATE_OUT_OF_WINDOW: "date",
    NON_NUMERIC_UNITS: "units",
    NEGATIVE_UNITS: "units",
    NON_NUMERIC_REVENUE: "net_revenue",
}
# Stands for the row number while an explanation is formatted (no file name holds NUL).
_ROW_MARK = "\x00"


@dataclass(frozen=True)
class Reference:
    """What the importer checks rows against; supplied by the caller (Django or a test).

    Dates are plausible from ``history_years`` before ``now`` up to ``now`` itself.
    """

    clinic_ids: frozenset[str]
    products: ProductMaster
    now: dt.date
    history_years: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "clinic_ids", frozenset(self.clinic_ids))
        if isinstance(self.now, dt.datetime):
            object.__setattr__(self, "now", self.now.date())

    @property
    def earliest(self) -> dt.date:
        """First plausible sales date."""
        try:
            return self.now.replace(year=self.now.year - self.history_years)
        except ValueError:  # 29 February
            return self.now.replace(year=self.now.year - self.history_years, day=28)

    @property
    def latest(self) -> dt.date:
        """Last plausible sales date (sales cannot be dated in the future)."""
        return self.now


@dataclass(frozen=True)
class ParseSettings:
    """How a file writes dates and numbers (from the mapping, else sniffed)."""

    date_format: str = ISO_DATE
    decimal: str = "."


@dataclass
class ValidatedChunk:
    """Result of validating one chunk."""

    good: pa.RecordBatch
    quarantine: pa.Table
    reasons: dict[str, int]


def detect_settings(
    chunk: RawChunk,
    columns: dict[str, str],
    mapping: ColumnMapping,
    reference: Reference,
    delimiter: str,
) -> ParseSettings:
    """Sniff the date format and decimal mark from the first chunk of a file.

    The date format is the candidate that reads the most sample values as plausible
    dates; ties go to the earlier format in :data:`DATE_FORMATS` (ISO, then day-first).
    The decimal mark is a comma when more sample numbers use a decimal comma than a
    decimal point, or, with no evidence either way, when fields are separated by ``;``.
    """
    date_format = mapping.date_format or _detect_date_format(
        _sample(chunk.columns[columns["date"]]), reference
    )
    decimal = mapping.decimal
    if decimal is None:
        numbers = _sample(chunk.columns[columns["units"]])
        if "net_revenue" in columns:
            numbers += _sample(chunk.columns[columns["net_revenue"]])
        comma = sum(bool(re.fullmatch(r"[+-]?[\d. ]*,\d+", v)) for v in numbers)
        dot = sum(bool(re.fullmatch(r"[+-]?[\d, ]*\.\d+", v)) for v in numbers)
        decimal = "," if comma > dot or (comma == dot and delimiter == ";") else "."
    return ParseSettings(date_format=date_format, decimal=decimal)


def _sample(column: pa.Array) -> list[str]:
    values = [v.strip() for v in column.slice(0, _SAMPLE * 2).to_pylist() if v and v.strip()]
    return values[:_SAMPLE]


def _detect_date_format(values: list[str], reference: Reference) -> str:
    if not values:
        return ISO_DATE
    raw = pa.array(values, pa.string())
    iso = _parse_iso(raw)
    plausible = pc.sum(
        pc.and_(pc.greater_equal(iso, reference.earliest), pc.less_equal(iso, reference.latest))
    ).as_py()
    if 2 * (plausible or 0) > len(values):
        # No other format reads a value written YYYY-MM-DD, so none can score higher:
        # a few refused dates need not cost a DuckDB query.
        return ISO_DATE
    # One query scores every candidate format on the sample.
    scores = ", ".join(
        f"count(*) FILTER (WHERE TRY_STRPTIME(t, $f{i})::DATE BETWEEN $earliest AND $latest)"
        for i in range(len(DATE_FORMATS))
    )
    params: dict[str, object] = {f"f{i}": fmt for i, fmt in enumerate(DATE_FORMATS)}
    params.update(trim=_TRIM, earliest=reference.earliest, latest=reference.latest)
    con = duckdb.connect()
    try:
        con.register("sample", pa.table({"x": raw}))
        row = con.execute(
            f"SELECT {scores} FROM (SELECT trim(x, $trim) AS t FROM sample)", params
        ).fetchone()
    finally:
        con.close()
    counts = list(row or [0] * len(DATE_FORMATS))
    return DATE_FORMATS[counts.index(max(counts))]


def _parse_dates_duckdb(con: duckdb.DuckDBPyConnection, raw: pa.Array, fmt: str) -> pa.Array:
    if fmt == ISO_DATE:
        # DuckDB reads 'infinity' as a date; no sale happened then.
        sql = (
            "SELECT CASE WHEN isfinite(d) THEN d END FROM "
            "(SELECT TRY_CAST(trim(x, $trim) AS DATE) AS d FROM chunk_text)"
        )
        params = {"trim": _TRIM}
    else:
        sql = "SELECT TRY_STRPTIME(trim(x, $trim), $fmt)::DATE AS d FROM chunk_text"
        params = {"trim": _TRIM, "fmt": fmt}
    return _run(con, raw, sql, params)


def _run(
    con: duckdb.DuckDBPyConnection, raw: pa.Array, sql: str, params: dict[str, str]
) -> pa.Array:
    """Run ``sql`` over ``raw`` registered as table ``chunk_text(x)``; return its one column."""
    con.register("chunk_text", pa.table({"x": raw}))
    try:
        result = con.sql(sql, params=params).to_arrow_table()
    finally:
        con.unregister("chunk_text")
    return result.column(0).combine_chunks()


def parse_dates(con: duckdb.DuckDBPyConnection, raw: pa.Array, fmt: str) -> pa.Array:
    """Parse text to date32; null where the text is not a valid date in ``fmt``.

    ISO dates (optionally with a time part or stray spaces) are parsed with vectorised
    pyarrow kernels, so a few bad rows do not slow a chunk down; other formats go to
    DuckDB's strict ``strptime``.
    """
    if fmt != ISO_DATE:
        return _parse_dates_duckdb(con, raw, fmt)
    return _parse_iso(raw)


def _parse_iso(raw: pa.Array) -> pa.Array:
    try:
        return pc.cast(raw, pa.date32())  # strict and fast: the common case
    except pa.ArrowInvalid:
        pass
    dates, handled = _iso_dates(raw, pc.utf8_slice_codeunits(raw, -2))
    rest = pc.and_(pc.invert(handled), pc.not_equal(raw, ""))
    if not pc.any(rest).as_py():
        return dates
    # The few values left: trim them and drop a time part, then read them the same way.
    head = pc.extract_regex(pc.utf8_trim(pc.filter(raw, rest), _TRIM), _ISO_HEAD).field("d")
    day = pc.extract_regex(head, r"(?P<day>\d{1,2})$").field("day")
    return pc.replace_with_mask(dates, rest, _iso_dates(head, day)[0])


def _iso_dates(text: pa.Array, day_text: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Dates from ``YYYY-MM-DD`` text, and a mask of the values that were such dates.

    pyarrow's strptime rolls 2023-02-30 over to 2 March: a date is kept only when its
    day is the day written (``day_text``).
    """
    parsed = pc.cast(pc.strptime(text, format=ISO_DATE, unit="s", error_is_null=True), pa.date32())
    day_text = pc.if_else(pc.is_valid(parsed), day_text, pa.scalar(None, pa.string()))
    try:
        written = pc.cast(day_text, pa.int64())
    except pa.ArrowInvalid:  # not digits at the end: not a date pyarrow should have read
        written = pa.nulls(len(text), pa.int64())
    ok = pc.fill_null(pc.equal(written, pc.day(parsed)), False)
    return pc.if_else(ok, parsed, _NULL_DATE), ok


def parse_numbers(con: duckdb.DuckDBPyConnection, raw: pa.Array, decimal: str) -> pa.Array:
    """Parse text to float64; null where the text is not a finite number.

    With ``decimal=","`` a dot, space or no-break space may separate thousands; with
    ``"."`` a comma may. Anything else (``"1,5"`` in a decimal-point file) is not a number.
    """
    values: pa.Array | None = None
    if decimal == ".":
        try:
            values = pc.cast(raw, pa.float64())
        except pa.ArrowInvalid:
            values = None
    if values is None:
        # Plain numbers first (one regex pass, one cast); the rest may carry spaces or
        # thousands separators and is read separately, a few values at a time.
        # Whole numbers (most units) are recognised without a regex; the regex only runs
        # on the rest.
        plain = pc.ascii_is_decimal(raw)
        others = pc.invert(plain)
        if pc.any(others).as_py():
            pattern = _PLAIN_DOT if decimal == "." else _PLAIN_COMMA
            matched = pc.match_substring_regex(pc.filter(raw, others), pattern)
            plain = pc.replace_with_mask(plain, others, matched)
        text = pc.if_else(plain, raw, pa.scalar(None, pa.string()))
        if decimal == ",":
            text = pc.replace_substring(pc.replace_substring(text, ".", ""), ",", ".")
        values = _cast_numbers(text)
        rest = pc.and_(pc.invert(plain), pc.not_equal(raw, ""))
        if pc.any(rest).as_py():
            values = pc.replace_with_mask(
                values, rest, _lenient_numbers(pc.filter(raw, rest), decimal)
            )
    # nan and inf parse as floats but are not quantities anyone sold.
    return pc.if_else(pc.is_finite(values), values, pa.scalar(None, pa.float64()))


def _lenient_numbers(raw: pa.Array, decimal: str) -> pa.Array:
    """Numbers written with spaces around them or thousands separators."""
    text = pc.utf8_trim(raw, _TRIM)
    if decimal == ".":
        ok = pc.match_substring_regex(text, f"^{_NUMBER_DOT}$")
        text = pc.replace_substring(text, ",", "")
    else:
        ok = pc.match_substring_regex(text, f"^{_NUMBER_COMMA}$")
        text = pc.replace_substring_regex(text, "[. \u00a0\u202f]", "")
        text = pc.replace_substring(text, ",", ".")
    return _cast_numbers(pc.if_else(ok, text, pa.scalar(None, pa.string())))


def _cast_numbers(text: pa.Array) -> pa.Array:
    """Cast text that the patterns accepted; one value at a time if pyarrow disagrees."""
    try:
        return pc.cast(text, pa.float64())
    except pa.ArrowInvalid:
        return pa.array([_float_or_none(v) for v in text.to_pylist()], pa.float64())


def _float_or_none(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


class ChunkValidator:
    """Validates chunks of one file against a :class:`Reference`."""

    def __init__(
        self,
        *,
        file: str,
        columns: dict[str, str],
        source_columns: Sequence[str],
        mapping: ColumnMapping,
        reference: Reference,
        settings: ParseSettings,
        batch_id: str,
    ) -> None:
        self.file = file
        self.columns = columns
        self.source_columns = list(source_columns)
        self.mapping = mapping
        self.reference = reference
        self.settings = settings
        self.batch_id = batch_id
        self._con = duckdb.connect()
        self._clinics = pa.array(sorted(reference.clinic_ids), pa.string())
        self._skus = pa.array(sorted(reference.products.skus), pa.string())
        if len(self._clinics) >= MAX_CLINICS:
            raise ValueError(
                TOO_MANY.format(count=len(self._clinics), what="clinics", limit=MAX_CLINICS)
            )
        if len(self._skus) >= MAX_SKUS:
            raise ValueError(TOO_MANY.format(count=len(self._skus), what="SKUs", limit=MAX_SKUS))
        self._map_keys = pa.array(list(mapping.clinic_ids), pa.string())
        self._map_values = pa.array(list(mapping.clinic_ids.values()), pa.string())
        self._currencies: dict[str, int] = {}
        self._batch = pa.array([batch_id], pa.string())
        self._earliest = pa.scalar(reference.earliest, pa.date32())
        self._latest = pa.scalar(reference.latest, pa.date32())
        self.quarantine_schema = pa.schema(
            [pa.field(name, pa.string()) for name in self.source_columns]
            + [
                pa.field("_source_row", pa.int64()),
                pa.field("_reason", pa.string()),
                pa.field("_detail", pa.string()),
                pa.field("_raw_line", pa.string()),
            ]
        )

    def close(self) -> None:
        """Release the DuckDB connection."""
        self._con.close()

    @staticmethod
    def _lookup(raw: pa.Array, value_set: pa.Array) -> pa.Array:
        """Index of each value in ``value_set`` (null if absent), trying trimmed text too."""
        index = pc.index_in(raw, value_set=value_set)
        if index.null_count:
            # Stray spaces around ids are common in exports; retry those rows trimmed.
            missing = pc.is_null(index)
            retry = pc.index_in(pc.utf8_trim(pc.filter(raw, missing), _TRIM), value_set=value_set)
            index = pc.replace_with_mask(index, missing, retry)
        return index

    def _clinic_index(self, raw: pa.Array) -> pa.Array:
        """Index of each clinic id in the reference (null if unknown), after the mapping."""
        return self._lookup(self._map_clinics(raw), self._clinics)

    def _map_clinics(self, raw: pa.Array) -> pa.Array:
        """Distributor ids replaced by the company's where the mapping table has them."""
        if not len(self._map_keys):
            return raw
        pos = pc.index_in(pc.utf8_trim(raw, _TRIM), value_set=self._map_keys)
        return pc.coalesce(pc.take(self._map_values, pos), raw)

    def _dates(self, raw: pa.Array) -> tuple[pa.Array, pa.Array]:
        """Parsed dates and their month codes (see :func:`month_codes`), per distinct text."""
        fmt = self.settings.date_format
        if pa.types.is_dictionary(raw.type):
            values = parse_dates(self._con, raw.dictionary, fmt)
            return pc.take(values, raw.indices), pc.take(month_codes(values), raw.indices)
        date = parse_dates(self._con, raw, fmt)
        return date, month_codes(date)

    def validate(self, chunk: RawChunk) -> ValidatedChunk:
        """Split a chunk into stored rows (typed) and quarantined rows (original text)."""
        cols = self.columns
        # Columns the fast reader dictionary-encodes are parsed once per distinct text.
        clinic_idx = per_value(chunk.columns[cols["clinic_id"]], self._clinic_index)
        sku_idx = per_value(chunk.columns[cols["sku"]], lambda v: self._lookup(v, self._skus))
        date, month = self._dates(chunk.columns[cols["date"]])
        in_window = pc.and_(
            pc.greater_equal(date, self._earliest), pc.less_equal(date, self._latest)
        )
        decimal = self.settings.decimal
        units = per_value(
            chunk.columns[cols["units"]], lambda v: parse_numbers(self._con, v, decimal)
        )
        n = chunk.num_rows
        if "net_revenue" in cols:
            raw_rev = chunk.columns[cols["net_revenue"]]
            revenue = per_value(raw_rev, lambda v: parse_numbers(self._con, v, decimal))
            if revenue.null_count:
                blank = per_value(raw_rev, lambda v: pc.equal(pc.utf8_trim(v, _TRIM), ""))
                bad_revenue = pc.and_(pc.is_null(revenue), pc.invert(blank))
            else:
                bad_revenue = pa.array(np.zeros(n, bool))
        else:
            revenue = pa.nulls(n, pa.float64())
            bad_revenue = pa.array(np.zeros(n, bool))
        currency = self._currency(chunk, n)

        failures = [
            (UNKNOWN_CLINIC, pc.is_null(clinic_idx)),
            (UNKNOWN_SKU, pc.is_null(sku_idx)),
            (UNPARSEABLE_DATE, pc.is_null(date)),
            (DATE_OUT_OF_WINDOW, pc.invert(pc.fill_null(in_window, True))),
            (NON_NUMERIC_UNITS, pc.is_null(units)),
            (NEGATIVE_UNITS, pc.fill_null(pc.less(units, 0.0), False)),
            (NON_NUMERIC_REVENUE, bad_revenue),
        ]
        any_bad = failures[0][1]
        for _, mask in failures[1:]:
            any_bad = pc.or_(any_bad, mask)
        good_mask = pc.invert(any_bad)
        n_bad = n - (pc.sum(pc.cast(good_mask, pa.int64())).as_py() or 0)

        columns = [
            chunk.source_row,
            pa.DictionaryArray.from_arrays(clinic_idx, self._clinics),
            date,
            pa.DictionaryArray.from_arrays(sku_idx, self._skus),
            units,
            revenue,
            currency,
            month,
        ]
        if n_bad:
            columns = [pc.filter(c, good_mask) for c in columns]
        n_good = n - n_bad
        good = pa.RecordBatch.from_arrays(
            [
                pa.DictionaryArray.from_arrays(pa.array(np.zeros(n_good, np.int32)), self._batch),
                *columns[:-1],
                pa.DictionaryArray.from_arrays(columns[-1], _MONTH_LABELS),
            ],
            schema=STAGED_SCHEMA,
        )

        reasons: dict[str, int] = {}
        quarantined: list[pa.Table] = []
        if n_bad:
            quarantined.append(self._quarantine_invalid(chunk, failures, any_bad, reasons))
        if chunk.malformed:
            reasons[MALFORMED_ROW] = len(chunk.malformed)
            quarantined.append(self.malformed_rows(chunk))
        quarantine = (
            pa.concat_tables(quarantined) if quarantined else self.quarantine_schema.empty_table()
        )
        return ValidatedChunk(good=good, quarantine=quarantine, reasons=reasons)

    def _currency(self, chunk: RawChunk, n: int) -> pa.DictionaryArray:
        """Currency codes, upper-cased, the mapping's default where the cell is empty.

        Cleaned on the dictionary (a handful of distinct values), not on every row.
        """
        default = (self.mapping.currency or "").strip().upper() or None
        if "currency" not in self.columns:
            if default is None:
                return pa.DictionaryArray.from_arrays(
                    pa.nulls(n, pa.int32()), pa.array([], pa.string())
                )
            return pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, np.int32)), pa.array([default], pa.string())
            )
        encoded = pc.dictionary_encode(chunk.columns[self.columns["currency"]])
        cleaned = [
            (v or "").strip(_TRIM).upper() or default for v in encoded.dictionary.to_pylist()
        ]
        # Parquet cannot store a null inside a dictionary: a missing currency is a null index.
        values = sorted({v for v in cleaned if v is not None})
        remap = pa.array([None if v is None else values.index(v) for v in cleaned], pa.int32())
        return pa.DictionaryArray.from_arrays(
            pc.take(remap, encoded.indices), pa.array(values, pa.string())
        )

    def key_hash(self, good: pa.RecordBatch) -> np.ndarray:
        """A 64-bit hash of each stored row's key (see ``dedup``).

        The key is the clinic, day, SKU, units, revenue and currency as stored, so
        ``2`` and ``2.0`` units are the same line.
        """
        if not good.num_rows:
            return np.empty(0, np.uint64)

        def codes(name: str) -> np.ndarray:
            indices = good.column(name).indices
            return np.asarray(indices.fill_null(-1).to_numpy(), np.int64).view(np.uint64)

        currency = good.column("currency")
        # Per-chunk dictionary codes differ between chunks; map them to stable codes.
        stable = np.array(
            [
                self._currencies.setdefault(v, len(self._currencies))
                for v in currency.dictionary.to_pylist()
            ]
            # A null index (no currency) picks this last entry: a code no currency has.
            + [0xFFFFFFFF],
            np.uint64,
        )
        currency_codes = stable[codes("currency").view(np.int64)]
        days = np.asarray(pc.cast(good.column("date"), pa.int32()).to_numpy(), np.int64)
        # Clinic (< 2^24), SKU (< 2^16) and day (24 bits) packed without overlap in one
        # word: one mix instead of three, and still one-to-one.
        ids = (
            (codes("clinic_id") << np.uint64(40))
            | (codes("sku") << np.uint64(24))
            | ((days + (1 << 23)).view(np.uint64) & np.uint64(0xFFFFFF))
        )
        units = good.column("units").to_numpy().view(np.uint64)
        revenue = pc.fill_null(good.column("net_revenue"), np.nan).to_numpy().view(np.uint64)
        return _mix(_mix(_mix(ids ^ _SEED_1) ^ units) ^ revenue ^ currency_codes)

    def _quarantine_invalid(
        self,
        chunk: RawChunk,
        failures: list[tuple[str, pa.Array]],
        any_bad: pa.Array,
        reasons: dict[str, int],
    ) -> pa.Table:
        reason = pa.nulls(pc.sum(pc.cast(any_bad, pa.int64())).as_py() or 0, pa.string())
        for name, mask in reversed(failures):
            reason = pc.if_else(pc.filter(mask, any_bad), pa.scalar(name, pa.string()), reason)
        rows = pc.filter(chunk.source_row, any_bad)
        raw = {
            name: as_text(pc.filter(chunk.columns[name], any_bad)) for name in self.source_columns
        }
        # Each explanation is formatted once per distinct refused text and reason, then
        # joined to the row numbers by Arrow: no Python string per refused row.
        row_text = pc.cast(rows, pa.string())
        details = pa.nulls(len(rows), pa.string())
        for entry in pc.value_counts(reason).to_pylist():
            why, count = entry["values"], entry["counts"]
            reasons[why] = reasons.get(why, 0) + count
            mask = pc.equal(reason, pa.scalar(why, pa.string()))
            values = pc.dictionary_encode(pc.filter(raw[self.columns[_REASON_FIELD[why]]], mask))
            heads, tails = self._detail_parts(why, values.dictionary)
            detail = pc.binary_join_element_wise(
                pc.take(heads, values.indices),
                pc.filter(row_text, mask),
                pc.take(tails, values.indices),
                "",
            )
            details = pc.replace_with_mask(details, mask, detail)
        return pa.table(
            {
                **raw,
                "_source_row": rows,
                "_reason": reason,
                "_detail": details,
                "_raw_line": pa.nulls(len(rows), pa.string()),
            },
            schema=self.quarantine_schema,
        )

    def _detail_parts(self, why: str, values: pa.Array) -> tuple[pa.Array, pa.Array]:
        """The explanation of each distinct refused value, as the text before the row
        number and the text after it."""
        mapped = self._map_clinics(values).to_pylist() if why == UNKNOWN_CLINIC else []
        heads, tails = [], []
        for i, value in enumerate(values.to_pylist()):
            head, _, tail = self._detail(why, value, mapped[i] if mapped else value).partition(
                _ROW_MARK
            )
            heads.append(head)
            tails.append(tail)
        return pa.array(heads, pa.string()), pa.array(tails, pa.string())

    def _detail(self, why: str, value: str, mapped: str) -> str:
        """The explanation of a refused value, with :data:`_ROW_MARK` for the row number."""
        cols = self.columns
        common = {"file": self.file, "row": _ROW_MARK}
        if why == UNKNOWN_CLINIC:
            if mapped != value:
                return DETAIL_UNKNOWN_CLINIC_MAPPED.format(
                    **common, column=cols["clinic_id"], value=value, mapped=mapped
                )
            return DETAIL_UNKNOWN_CLINIC.format(**common, column=cols["clinic_id"], value=value)
        if why == UNKNOWN_SKU:
            return DETAIL_UNKNOWN_SKU.format(**common, column=cols["sku"], value=value)
        if why == UNPARSEABLE_DATE:
            return DETAIL_UNPARSEABLE_DATE.format(
                **common, column=cols["date"], value=value, fmt=self.settings.date_format
            )
        if why == DATE_OUT_OF_WINDOW:
            return DETAIL_DATE_OUT_OF_WINDOW.format(
                **common,
                column=cols["date"],
                value=value,
                earliest=self.reference.earliest,
                latest=self.reference.latest,
            )
        if why == NON_NUMERIC_UNITS:
            return DETAIL_NON_NUMERIC_UNITS.format(**common, column=cols["units"], value=value)
        if why == NEGATIVE_UNITS:
            return DETAIL_NEGATIVE_UNITS.format(**common, column=cols["units"], value=value)
        return DETAIL_NON_NUMERIC_REVENUE.format(**common, column=cols["net_revenue"], value=value)

    def malformed_rows(self, chunk: RawChunk) -> pa.Table:
        """Quarantine rows for records that could not be split into the header's columns."""
        width = len(self.source_columns)
        m = chunk.malformed
        return pa.table(
            {
                **{name: pa.nulls(len(m), pa.string()) for name in self.source_columns},
                "_source_row": pa.array([r.row for r in m], pa.int64()),
                "_reason": pa.array([MALFORMED_ROW] * len(m), pa.string()),
                "_detail": pa.array(
                    [
                        DETAIL_MALFORMED.format(
                            file=self.file, row=r.row, fields=r.fields, width=width
                        )
                        for r in m
                    ],
                    pa.string(),
                ),
                "_raw_line": pa.array([r.text for r in m], pa.string()),
            },
            schema=self.quarantine_schema,
        )

    def duplicate_rows(self, raw: pa.Table, details: dict[int, str]) -> pa.Table:
        """Quarantine rows for duplicate lines, from their original text."""
        rows = raw.column("_source_row").to_pylist()
        return pa.table(
            {
                **{name: raw.column(name) for name in self.source_columns},
                "_source_row": raw.column("_source_row"),
                "_reason": pa.array([DUPLICATE_LINE] * len(rows), pa.string()),
                "_detail": pa.array([details[r] for r in rows], pa.string()),
                "_raw_line": pa.nulls(len(rows), pa.string()),
            },
            schema=self.quarantine_schema,
        )


def month_codes(date: pa.Array) -> pa.Array:
    """Position of each date's ``YYYY-MM`` in the month labels (null outside 1900-2199).

    Formatting ten million dates as text is slow; numpy's month arithmetic is not.
    """
    days = np.asarray(date.to_numpy(zero_copy_only=False), "datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64) + (1970 - _MONTH_BASE_YEAR) * 12
    inside = (months >= 0) & (months < len(_MONTH_LABELS))
    return pa.array(np.where(inside, months, 0).astype(np.int32), mask=~inside)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the whole word.

    Works in place on ``x`` (always a fresh temporary here): half the allocations.
    """
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def reason_counts(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    """Sum per-chunk reason counts."""
    total: dict[str, int] = {}
    for c in counts:
        for k, v in c.items():
            total[k] = total.get(k, 0) + v
    return total
