"""Hypothesis strategies for messy sales files: cells, Excel workbooks, Parquet files.

Shared by the importer's property tests and the upload pages' fuzzing.
"""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import strategies as st

CANONICAL = ["clinic_id", "date", "sku", "units", "net_revenue", "currency"]

plausible = {
    "clinic_id": st.sampled_from(["CL-001", "CL-002", " CL-001", "CL-9", ""]),
    "date": st.sampled_from(
        ["2025-03-04", "04.03.2025", "2025-02-30", "1999-01-01", "", "2030-01-01"]
    ),
    "sku": st.sampled_from(["CT-100", "CT-50", "ct-100", "X"]),
    "units": st.sampled_from(["1", "2.5", "-3", "abc", "", "1e3", "1,5", "inf"]),
    "net_revenue": st.sampled_from(["10", "", "1.234,5", "x"]),
    "currency": st.sampled_from(["EUR", "", "usd"]),
}
garbage = st.text(
    alphabet=st.sampled_from([*list("ab1,;\t|\"'\n\r -."), "é", "\xa0", "\x00", "€"]), max_size=12
)


cell = st.one_of(
    *plausible.values(),
    garbage,
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 1, 1)),
    st.just("=1/0"),
)


def _has_value(value: object) -> bool:
    """What Excel gives back as a value: NaN is stored as an empty cell, a formula (never
    calculated here) has none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    text = str(value)
    return bool(text.strip()) and not text.startswith("=")


def _storable(value: object) -> bool:
    """Excel cannot hold control characters (openpyxl refuses to write them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return not (isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value))


REQUIRED = {"clinic_id", "date", "sku", "units"}


def importable(header: list[str]) -> bool:
    """Every required column, and a currency wherever there is revenue (or the file is
    refused whole, rightly)."""
    names = set(header)
    return names >= REQUIRED and ("net_revenue" not in names or "currency" in names)


@st.composite
def messy_workbooks(draw: st.DrawFn) -> tuple[bytes, int, bool]:
    """An .xlsx whose first sheet holds a header and rows of any cell type; the number
    of data rows with a value in them; whether the header has every required column."""
    import io

    from openpyxl import Workbook

    header = list(draw(st.permutations(CANONICAL)))
    if draw(st.booleans()):
        header = header[: draw(st.integers(3, 6))]
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    rows = 0
    for _ in range(draw(st.integers(0, 20))):
        values = [
            draw(cell.filter(_storable)) for _ in range(draw(st.integers(0, len(header) + 2)))
        ]
        sheet.append(values)
        # A record has a value under the header (a formula, never calculated here, has
        # none; cells right of the header are not read).
        rows += any(_has_value(v) for v in values[: len(header)])
    if draw(st.booleans()):
        book.create_sheet("Notes").append(["not", "sales"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), rows, importable(header)


parquet_column = st.sampled_from(
    ["string", "int64", "float64", "date32", "timestamp", "bool", "null", "dictionary"]
)


@st.composite
def messy_parquet(draw: st.DrawFn) -> tuple[bytes, int, bool]:
    """A Parquet file of any column types; its rows; whether every required column is in it."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    n = draw(st.integers(0, 20))
    names = list(draw(st.permutations(CANONICAL)))
    if draw(st.booleans()):
        names = names[: draw(st.integers(3, 6))]
    columns = {}
    for name in names:
        kind = draw(parquet_column)
        if kind in ("string", "dictionary"):
            values = [
                draw(st.one_of(plausible.get(name, garbage), garbage, st.none())) for _ in range(n)
            ]
            array = pa.array(values, pa.string())
            columns[name] = array.dictionary_encode() if kind == "dictionary" else array
        elif kind == "int64":
            columns[name] = pa.array(
                [draw(st.one_of(st.none(), st.integers(-(2**62), 2**62))) for _ in range(n)],
                pa.int64(),
            )
        elif kind == "float64":
            columns[name] = pa.array(
                [draw(st.one_of(st.none(), st.floats())) for _ in range(n)], pa.float64()
            )
        elif kind == "date32":
            columns[name] = pa.array(
                [
                    draw(st.one_of(st.none(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))))
                    for _ in range(n)
                ],
                pa.date32(),
            )
        elif kind == "timestamp":
            columns[name] = pa.array(
                [
                    draw(st.one_of(st.none(), st.datetimes(dt.datetime(1900, 1, 1))))
                    for _ in range(n)
                ],
                pa.timestamp("us"),
            )
        elif kind == "bool":
            columns[name] = pa.array(
                [draw(st.one_of(st.none(), st.booleans())) for _ in range(n)], pa.bool_()
            )
        else:
            columns[name] = pa.nulls(n)
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue(), n, importable(names)
