"""Every reason a row can be refused, with the detail a user reads, and whole-file refusals."""

from __future__ import annotations

import pytest

from onevoice.analytics.warehouse import ColumnMapping, ImportRefused, MissingColumnsError
from onevoice.analytics.warehouse import validation as v
from onevoice.analytics.warehouse.errors import EMPTY_FILE, REVENUE_WITHOUT_CURRENCY

from .conftest import csv_text

GOOD = "CL-001,2025-03-03,CT-100,2,80.00,EUR"


@pytest.mark.parametrize(
    ("line", "reason", "detail"),
    [
        (
            "CL-999,2025-03-03,CT-100,2,80.00,EUR",
            v.UNKNOWN_CLINIC,
            "sales.csv: row 3, column 'clinic_id': unknown clinic 'CL-999'",
        ),
        (
            "CL-001,2025-03-03,XX-1,2,80.00,EUR",
            v.UNKNOWN_SKU,
            "sales.csv: row 3, column 'sku': unknown SKU 'XX-1'",
        ),
        (
            "CL-001,2025-02-30,CT-100,2,80.00,EUR",
            v.UNPARSEABLE_DATE,
            "sales.csv: row 3, column 'date': cannot read '2025-02-30' as a date (format %Y-%m-%d)",
        ),
        (
            "CL-001,2013-03-03,CT-100,2,80.00,EUR",
            v.DATE_OUT_OF_WINDOW,
            "sales.csv: row 3, column 'date': date '2013-03-03' is outside the plausible "
            "window 2015-06-30 to 2025-06-30",
        ),
        (
            "CL-001,2025-07-01,CT-100,2,80.00,EUR",
            v.DATE_OUT_OF_WINDOW,
            "sales.csv: row 3, column 'date': date '2025-07-01' is outside the plausible "
            "window 2015-06-30 to 2025-06-30",
        ),
        (
            "CL-001,2025-03-03,CT-100,-2,80.00,EUR",
            v.NEGATIVE_UNITS,
            "sales.csv: row 3, column 'units': units '-2' is negative",
        ),
        (
            "CL-001,2025-03-03,CT-100,two,80.00,EUR",
            v.NON_NUMERIC_UNITS,
            "sales.csv: row 3, column 'units': units 'two' is not a number",
        ),
        (
            "CL-001,2025-03-03,CT-100,,80.00,EUR",
            v.NON_NUMERIC_UNITS,
            "sales.csv: row 3, column 'units': units '' is not a number",
        ),
        (
            "CL-001,2025-03-03,CT-100,nan,80.00,EUR",
            v.NON_NUMERIC_UNITS,
            "sales.csv: row 3, column 'units': units 'nan' is not a number",
        ),
        (
            "CL-001,2025-03-03,CT-100,١٢,80.00,EUR",
            v.NON_NUMERIC_UNITS,
            "sales.csv: row 3, column 'units': units '١٢' is not a number",
        ),
        (
            "CL-001,2025-03-03,CT-100,2,eighty,EUR",
            v.NON_NUMERIC_REVENUE,
            "sales.csv: row 3, column 'net_revenue': net revenue 'eighty' is not a number",
        ),
        (GOOD, v.DUPLICATE_LINE, "sales.csv: row 3 repeats row 2 of the same file"),
        (
            "CL-001,2025-03-03,CT-100",
            v.MALFORMED_ROW,
            "sales.csv: row 3 has 3 field(s) but the header has 6",
        ),
    ],
)
def test_each_refused_row_is_quarantined_with_its_reason(
    dataset, reference, write_file, line, reason, detail
):
    path = write_file("sales.csv", csv_text(GOOD, line))

    report = dataset.import_file(path, reference=reference)

    assert report.to_dict()["reasons"] == {reason: 1}
    assert (report.rows_read, report.rows_stored, report.rows_quarantined) == (2, 1, 1)
    refused = dataset.quarantine(report.batch_id)
    assert refused["_reason"].tolist() == [reason]
    assert refused["_detail"].tolist() == [detail]
    assert refused["_source_row"].tolist() == [3]


def test_quarantine_keeps_the_original_text_of_every_column(dataset, reference, write_file):
    path = write_file("sales.csv", csv_text(GOOD, " CL-009 ,03/03/2025,CT-100, 2 ,80.00,eur"))

    report = dataset.import_file(path, reference=reference)

    row = dataset.quarantine(report.batch_id).iloc[0]
    assert row["clinic_id"] == " CL-009 "
    assert row["date"] == "03/03/2025"
    assert row["units"] == " 2 "


def test_a_malformed_row_keeps_its_line_text(dataset, reference, write_file):
    path = write_file("sales.csv", csv_text(GOOD, "CL-001,2025-03-03,CT-100,2,80.00,EUR,extra"))

    report = dataset.import_file(path, reference=reference)

    refused = dataset.quarantine(report.batch_id)
    assert refused["_raw_line"].tolist() == ["CL-001,2025-03-03,CT-100,2,80.00,EUR,extra"]
    assert refused["_detail"].tolist() == ["sales.csv: row 3 has 7 field(s) but the header has 6"]


def test_a_row_gets_the_first_reason_that_applies(dataset, reference, write_file):
    path = write_file("sales.csv", csv_text("CL-999,garbage,XX,-1,x,EUR"))

    report = dataset.import_file(path, reference=reference)

    assert report.reasons == {v.UNKNOWN_CLINIC: 1}


def test_missing_required_columns_refuse_the_file_naming_the_columns_found(
    dataset, reference, write_file
):
    path = write_file("sales.csv", "customer,date,article,qty\nCL-001,2025-03-03,CT-100,2\n")

    with pytest.raises(MissingColumnsError) as caught:
        dataset.import_file(path, reference=reference)

    message = str(caught.value)
    assert message == (
        "sales.csv: missing required column(s) 'clinic_id', 'sku', 'units'; "
        "the header has 'customer', 'date', 'article', 'qty'"
    )
    assert dataset.batches() == []
    assert dataset.files() == []


def test_revenue_without_any_currency_refuses_the_file(dataset, reference, write_file):
    path = write_file(
        "sales.csv", "clinic_id,date,sku,units,net_revenue\nCL-001,2025-03-03,CT-100,2,9\n"
    )

    with pytest.raises(ImportRefused) as caught:
        dataset.import_file(path, reference=reference)

    assert str(caught.value) == REVENUE_WITHOUT_CURRENCY.format(
        file="sales.csv", column="net_revenue"
    )


def test_a_default_currency_in_the_mapping_fills_the_missing_column(dataset, reference, write_file):
    path = write_file(
        "sales.csv", "clinic_id,date,sku,units,net_revenue\nCL-001,2025-03-03,CT-100,2,9\n"
    )

    dataset.import_file(path, reference=reference, mapping=ColumnMapping(currency="chf"))

    assert dataset.to_arrow().column("currency").to_pylist() == ["CHF"]


def test_an_empty_file_is_refused(dataset, reference, write_file):
    path = write_file("sales.csv", "")

    with pytest.raises(ImportRefused) as caught:
        dataset.import_file(path, reference=reference)

    assert str(caught.value) == EMPTY_FILE.format(file="sales.csv")


def test_a_header_only_file_is_an_empty_batch(dataset, reference, write_file):
    report = dataset.import_file(write_file("sales.csv", csv_text()), reference=reference)

    assert report.to_dict() == {
        "batch_id": report.batch_id,
        "rows_read": 0,
        "rows_stored": 0,
        "rows_quarantined": 0,
        "reasons": {},
        "duplicate_of": None,
    }


def test_units_only_files_need_no_revenue_or_currency(dataset, reference, write_file):
    path = write_file("sales.csv", "clinic_id,date,sku,units\nCL-001,2025-03-03,CT-100,2\n")

    report = dataset.import_file(path, reference=reference)

    assert report.rows_stored == 1
    stored = dataset.to_arrow().to_pylist()[0]
    assert stored["net_revenue"] is None
    assert stored["currency"] is None


def test_stray_spaces_and_letter_case_are_forgiven_where_unambiguous(
    dataset, reference, write_file
):
    path = write_file(
        "sales.csv",
        "Clinic_ID, Date ,SKU,Units,Net_Revenue,Currency\n CL-002 , 2025-03-03 ,CT-50 , 3 , 1.5 , eur \n",
    )

    report = dataset.import_file(path, reference=reference)

    assert report.rows_stored == 1
    stored = dataset.to_arrow().to_pylist()[0]
    assert (stored["clinic_id"], stored["sku"], stored["units"], stored["currency"]) == (
        "CL-002",
        "CT-50",
        3.0,
        "EUR",
    )


def test_duplicates_compare_stored_values_not_text(dataset, reference, write_file):
    path = write_file(
        "sales.csv",
        "clinic_id,date,sku,units,currency\n"
        "CL-001,2025-03-03,CT-100,2,EUR\n"
        "CL-001,2025-03-03,CT-100,2,\n"  # no currency: a different line
        "CL-001 ,2025-03-03,CT-100,2.0,eur\n"  # same values as row 2
        "CL-001,2025-03-03,CT-100,3,EUR\n",
    )

    report = dataset.import_file(path, reference=reference)

    assert (report.rows_stored, report.reasons) == (3, {v.DUPLICATE_LINE: 1})
    assert dataset.quarantine(report.batch_id)["_source_row"].tolist() == [4]


def test_refused_rows_sharing_a_value_each_name_their_own_row(dataset, reference, write_file):
    # Explanations are built once per distinct value; every row must still get its own.
    path = write_file(
        "sales.csv",
        csv_text(
            "CL-999,2025-03-03,CT-100,2,80.00,EUR",
            GOOD,
            "D-7,2025-03-03,CT-100,2,80.00,EUR",
            "CL-999,2025-03-04,CT-100,2,80.00,EUR",
            "CL-001,2025-03-03,CT-100,-2,80.00,EUR",
            "CL-001,2025-03-03,CT-100,it's,80.00,EUR",
            "CL-001,2025-03-03,CT-100,-2,80.00,EUR",
        ),
    )

    report = dataset.import_file(
        path, reference=reference, mapping=ColumnMapping(clinic_ids={"D-7": "CL-404"})
    )

    assert report.reasons == {
        v.UNKNOWN_CLINIC: 3,
        v.NEGATIVE_UNITS: 2,
        v.NON_NUMERIC_UNITS: 1,
    }
    refused = dataset.quarantine(report.batch_id)
    assert refused["_detail"].tolist() == [
        "sales.csv: row 2, column 'clinic_id': unknown clinic 'CL-999'",
        "sales.csv: row 4, column 'clinic_id': distributor id 'D-7' maps to 'CL-404', "
        "which is not a known clinic",
        "sales.csv: row 5, column 'clinic_id': unknown clinic 'CL-999'",
        "sales.csv: row 6, column 'units': units '-2' is negative",
        "sales.csv: row 7, column 'units': units \"it's\" is not a number",
        "sales.csv: row 8, column 'units': units '-2' is negative",
    ]
