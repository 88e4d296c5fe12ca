"""Files as distributors send them: delimiters, encodings, decimal commas, date formats,
Excel workbooks and Parquet files."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from onevoice.analytics.warehouse import ColumnMapping, ImportRefused
from onevoice.analytics.warehouse import validation as v
from onevoice.analytics.warehouse.readers import FastCsvReader, open_sales_file, sniff_csv

from .conftest import csv_text


def stored(dataset):
    return sorted(
        (r["clinic_id"], r["date"], r["sku"], r["units"], r["net_revenue"], r["currency"])
        for r in dataset.to_arrow().to_pylist()
    )


def test_semicolons_windows_1252_and_decimal_commas(dataset, reference, write_file):
    text = (
        "clinic_id;date;sku;units;net_revenue;currency\n"
        "CL-001;03.03.2025;CT-100;2;1.234,50;EUR\n"
        "CL-002;17.03.2025;CT-50;1;99,9;EUR\n"
        "CL-003;18.03.2025;CT-50;1;Größe;EUR\n"
    )
    path = write_file("export.csv", text, encoding="cp1252")

    report = dataset.import_file(path, reference=reference)

    assert stored(dataset) == [
        ("CL-001", dt.date(2025, 3, 3), "CT-100", 2.0, 1234.5, "EUR"),
        ("CL-002", dt.date(2025, 3, 17), "CT-50", 1.0, 99.9, "EUR"),
    ]
    assert report.reasons == {v.NON_NUMERIC_REVENUE: 1}
    assert dataset.quarantine(report.batch_id)["net_revenue"].tolist() == ["Größe"]


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["2025-03-04", "2025-03-18"], [dt.date(2025, 3, 4), dt.date(2025, 3, 18)]),
        (["04.03.2025", "18.03.2025"], [dt.date(2025, 3, 4), dt.date(2025, 3, 18)]),
        (["03/04/2025", "03/18/2025"], [dt.date(2025, 3, 4), dt.date(2025, 3, 18)]),
        (["20250304", "20250318"], [dt.date(2025, 3, 4), dt.date(2025, 3, 18)]),
        (["2025-03", "2025-04"], [dt.date(2025, 3, 1), dt.date(2025, 4, 1)]),
        (["Mar 2025", "Apr 2025"], [dt.date(2025, 3, 1), dt.date(2025, 4, 1)]),
    ],
)
def test_date_and_period_formats_are_sniffed(dataset, reference, write_file, dates, expected):
    lines = [f"CL-001,{d},CT-100,{i + 1},1,EUR" for i, d in enumerate(dates)]
    dataset.import_file(write_file("s.csv", csv_text(*lines)), reference=reference)

    assert sorted(r[1] for r in stored(dataset)) == expected


def test_a_mapping_can_force_the_date_format(dataset, reference, write_file):
    # Read day-first by default; the mapping says this distributor writes month-first.
    path = write_file("s.csv", csv_text("CL-001,03/04/2025,CT-100,1,1,EUR"))

    dataset.import_file(path, reference=reference, mapping=ColumnMapping(date_format="%m/%d/%Y"))

    assert stored(dataset)[0][1] == dt.date(2025, 3, 4)


def test_ambiguous_day_month_dates_read_day_first(dataset, reference, write_file):
    path = write_file("s.csv", csv_text("CL-001,03/04/2025,CT-100,1,1,EUR"))

    dataset.import_file(path, reference=reference)

    assert stored(dataset)[0][1] == dt.date(2025, 4, 3)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(dataset, reference, write_file, delimiter):
    header = delimiter.join(["clinic_id", "date", "sku", "units", "net_revenue", "currency"])
    line = delimiter.join(["CL-001", "2025-03-04", "CT-100", "5", "10", "EUR"])
    dataset.import_file(write_file("s.txt", f"{header}\n{line}\n"), reference=reference)

    assert stored(dataset) == [("CL-001", dt.date(2025, 3, 4), "CT-100", 5.0, 10.0, "EUR")]


def test_utf8_with_byte_order_mark(dataset, reference, write_file):
    path = write_file("s.csv", "\ufeff" + csv_text("CL-001,2025-03-04,CT-100,5,10,EUR"))

    assert dataset.import_file(path, reference=reference).rows_stored == 1


def test_utf16_exports(dataset, reference, write_file):
    path = write_file("s.csv", csv_text("CL-001,2025-03-04,CT-100,5,10,EUR"), encoding="utf-16")

    assert dataset.import_file(path, reference=reference).rows_stored == 1


def test_sniffing_reports_encoding_and_delimiter(write_file):
    path = write_file("s.csv", "a;b;c\nä;2;3\n", encoding="cp1252")

    dialect = sniff_csv(path, ColumnMapping())

    assert (dialect.encoding, dialect.delimiter) == ("cp1252", ";")


def test_blank_lines_and_quoted_line_breaks_keep_true_row_numbers(dataset, reference, write_file):
    text = csv_text(
        "CL-001,2025-03-04,CT-100,5,10,EUR",
        "",
        '"CL-\n001",2025-03-04,CT-100,5,10,EUR',
        "CL-001,2025-03-04,CT-100,x,10,EUR",
    )
    report = dataset.import_file(write_file("s.csv", text), reference=reference)

    refused = dataset.quarantine(report.batch_id)
    assert refused[["_source_row", "_reason"]].values.tolist() == [
        [4, v.UNKNOWN_CLINIC],
        [6, v.NON_NUMERIC_UNITS],
    ]
    assert report.rows_read == 3


def test_invalid_utf8_bytes_late_in_a_file_do_not_abort_the_import(dataset, reference, write_file):
    good = csv_text(*["CL-001,2025-03-04,CT-100,5,10,EUR"] * 1).encode()
    path = write_file("s.csv", good + b"CL-00\xff,2025-03-04,CT-100,5,10,EUR\n")

    report = dataset.import_file(path, reference=reference)

    assert (report.rows_stored, report.reasons) == (1, {v.UNKNOWN_CLINIC: 1})


def test_the_fast_reader_refuses_irregular_rows_so_the_exact_reader_takes_over(write_file):
    path = write_file("s.csv", csv_text("CL-001,2025-03-04,CT-100,5,10,EUR", "1,2"))
    reader = open_sales_file(path, ColumnMapping())
    assert isinstance(reader, FastCsvReader)

    with pytest.raises(Exception, match="irregular"):
        list(reader.chunks())


def test_excel_workbooks(dataset, reference, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Verkauf"
    sheet.append(["Kunde", "Datum", "Artikel", "Menge", "Umsatz"])
    sheet.append(["D-17", dt.datetime(2025, 3, 4), "CT-100", 2, 81.5])
    sheet.append([None, None, None, None, None])
    sheet.append(["D-18", dt.datetime(2025, 3, 5), "CT-50", -1, 10])
    path = tmp_path / "verkauf.xlsx"
    book.save(path)
    mapping = ColumnMapping(
        columns={
            "clinic_id": "Kunde",
            "date": "Datum",
            "sku": "Artikel",
            "units": "Menge",
            "net_revenue": "Umsatz",
        },
        clinic_ids={"D-17": "CL-001", "D-18": "CL-002"},
        currency="EUR",
        sheet="Verkauf",
    )

    report = dataset.import_file(path, reference=reference, mapping=mapping)

    assert stored(dataset) == [("CL-001", dt.date(2025, 3, 4), "CT-100", 2.0, 81.5, "EUR")]
    refused = dataset.quarantine(report.batch_id)
    # Row numbers are the ones Excel shows (the blank row 3 is skipped, not renumbered).
    assert refused[["_source_row", "_reason", "Menge"]].values.tolist() == [
        [4, v.NEGATIVE_UNITS, "-1"]
    ]


def test_excel_with_an_unknown_sheet_is_refused(dataset, reference, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["clinic_id", "date", "sku", "units"])
    path = tmp_path / "s.xlsx"
    book.save(path)

    with pytest.raises(
        ImportRefused, match=r"s.xlsx: cannot be read as Excel workbook: no sheet 'X'"
    ):
        dataset.import_file(path, reference=reference, mapping=ColumnMapping(sheet="X"))


def test_parquet_files_with_typed_columns(dataset, reference, tmp_path):
    path = tmp_path / "s.parquet"
    pq.write_table(
        pa.table(
            {
                "clinic_id": ["CL-001", "CL-002"],
                "date": pa.array([dt.date(2025, 3, 4), dt.date(2025, 3, 5)], pa.date32()),
                "sku": ["CT-100", "CT-100"],
                "units": pa.array([3, None], pa.int64()),
                "net_revenue": [30.0, 1.0],
                "currency": ["EUR", "EUR"],
            }
        ),
        path,
    )

    report = dataset.import_file(path, reference=reference)

    assert stored(dataset) == [("CL-001", dt.date(2025, 3, 4), "CT-100", 3.0, 30.0, "EUR")]
    assert report.reasons == {v.NON_NUMERIC_UNITS: 1}


def test_a_parquet_file_damaged_inside_a_page_is_refused_and_stores_nothing(
    dataset, reference, tmp_path
):
    # Its footer is intact, so it opens; the first page header after the magic is not.
    # Found by hypothesis: pyarrow raised OSError ("Couldn't deserialize thrift").
    path = tmp_path / "s.parquet"
    pq.write_table(
        pa.table(
            {"clinic_id": ["CL-001"], "date": ["2025-03-04"], "sku": ["CT-100"], "units": ["1"]}
        ),
        path,
    )
    data = bytearray(path.read_bytes())
    data[4] = 0
    path.write_bytes(bytes(data))

    with pytest.raises(ImportRefused, match=r"s.parquet: cannot be read as Parquet file"):
        dataset.import_file(path, reference=reference)
    assert dataset.batches() == []


def test_unsupported_and_missing_files_are_refused(dataset, reference, write_file, tmp_path):
    with pytest.raises(ImportRefused, match=r"s.json: unsupported file type '.json'"):
        dataset.import_file(write_file("s.json", "{}"), reference=reference)
    with pytest.raises(ImportRefused, match="no such file"):
        dataset.import_file(tmp_path / "nope.csv", reference=reference)
