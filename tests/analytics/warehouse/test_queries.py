"""Sales by clinic and period, zero-filled, on DuckDB and (marked spark) on Spark."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from onevoice.analytics.warehouse import connect, engine_name, sales_by_clinic
from onevoice.analytics.warehouse.queries import period_starts

from .conftest import csv_text

SALES = csv_text(
    "CL-001,2025-01-06,CT-100,2,80,EUR",  # Monday of ISO week 2
    "CL-001,2025-01-12,CT-50,4,90,EUR",  # Sunday of the same week
    "CL-001,2025-02-03,CT-100,1,40,EUR",
    "CL-002,2025-03-31,CT-100,3,120,EUR",
    "CL-002,2025-04-01,CT-100,5,200,EUR",  # next quarter
    "CL-003,2025-01-07,WORM-1,9,9,EUR",  # another product
)
PER_PACK = {"CT-100": 50 / 30.4375, "CT-50": 25 / 30.4375}


@pytest.fixture
def loaded(dataset, reference, write_file):
    dataset.import_file(write_file("sales.csv", SALES), reference=reference)
    return dataset


def run(con, expr) -> pd.DataFrame:
    frame = con.to_pandas(expr)
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    return frame.sort_values(["clinic_id", "period"]).reset_index(drop=True)


def test_monthly_cardiotab_sales_are_zero_filled_for_every_clinic(loaded, products):
    con = connect("duckdb")
    expr = sales_by_clinic(
        loaded.table(con),
        products=products,
        product="Cardiotab",
        freq="month",
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 3, 31),
    )

    frame = run(con, expr)

    assert frame.columns.tolist() == [
        "clinic_id",
        "period",
        "units",
        "treatment_months",
        "net_revenue",
    ]
    months = [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    assert frame[["clinic_id", "period", "units"]].values.tolist() == [
        ["CL-001", months[0], 6.0],
        ["CL-001", months[1], 1.0],
        ["CL-001", months[2], 0.0],
        ["CL-002", months[0], 0.0],
        ["CL-002", months[1], 0.0],
        ["CL-002", months[2], 3.0],
        # CL-003 bought only another product: it is in the panel, with zeros.
        ["CL-003", months[0], 0.0],
        ["CL-003", months[1], 0.0],
        ["CL-003", months[2], 0.0],
    ]
    jan = frame.iloc[0]
    assert jan["treatment_months"] == pytest.approx(2 * PER_PACK["CT-100"] + 4 * PER_PACK["CT-50"])
    assert jan["net_revenue"] == 170.0


def test_weeks_start_on_monday_and_quarters_on_the_first_month(loaded, products):
    con = connect("duckdb")
    weekly = run(
        con,
        sales_by_clinic(
            loaded.table(con),
            products=products,
            skus=["CT-100", "CT-50"],
            freq="week",
            start=dt.date(2025, 1, 6),
            end=dt.date(2025, 1, 19),
            clinic_ids=["CL-001"],
        ),
    )
    quarterly = run(
        con,
        sales_by_clinic(
            loaded.table(con),
            products=products,
            product="Cardiotab",
            freq="quarter",
            start=dt.date(2025, 1, 1),
            end=dt.date(2025, 6, 30),
            clinic_ids=["CL-002", "CL-004"],
        ),
    )

    assert weekly[["period", "units"]].values.tolist() == [
        [dt.date(2025, 1, 6), 6.0],
        [dt.date(2025, 1, 13), 0.0],
    ]
    assert quarterly[["clinic_id", "period", "units"]].values.tolist() == [
        ["CL-002", dt.date(2025, 1, 1), 3.0],
        ["CL-002", dt.date(2025, 4, 1), 5.0],
        ["CL-004", dt.date(2025, 1, 1), 0.0],
        ["CL-004", dt.date(2025, 4, 1), 0.0],
    ]


def test_sales_outside_start_and_end_do_not_count(loaded, products):
    con = connect("duckdb")
    frame = run(
        con,
        sales_by_clinic(
            loaded.table(con),
            products=products,
            product="Cardiotab",
            freq="month",
            start=dt.date(2025, 1, 7),
            end=dt.date(2025, 1, 31),
            clinic_ids=["CL-001"],
        ),
    )

    assert frame["units"].tolist() == [4.0]  # the 6 January sale is before start


def test_an_empty_dataset_gives_an_all_zero_panel(dataset, products):
    con = connect("duckdb")
    frame = run(
        con,
        sales_by_clinic(
            dataset.table(con),
            products=products,
            product="Cardiotab",
            freq="month",
            start=dt.date(2025, 1, 1),
            end=dt.date(2025, 2, 28),
            clinic_ids=["CL-001"],
        ),
    )

    assert frame[["units", "treatment_months", "net_revenue"]].values.tolist() == [[0, 0, 0]] * 2


def test_bad_arguments_are_named(loaded, products):
    table = loaded.table(connect("duckdb"))
    with pytest.raises(
        ValueError, match="frequency must be one of week, month, quarter, not 'day'"
    ):
        sales_by_clinic(
            table, products=products, freq="day", start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 1)
        )  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no SKU of product 'Nope'"):
        sales_by_clinic(
            table,
            products=products,
            product="Nope",
            freq="month",
            start=dt.date(2025, 1, 1),
            end=dt.date(2025, 2, 1),
        )
    with pytest.raises(ValueError, match="start 2025-02-01 is after end 2025-01-01"):
        sales_by_clinic(
            table,
            products=products,
            freq="month",
            start=dt.date(2025, 2, 1),
            end=dt.date(2025, 1, 1),
        )


def test_period_starts():
    assert period_starts(dt.date(2024, 11, 15), dt.date(2025, 2, 1), "quarter") == [
        dt.date(2024, 10, 1),
        dt.date(2025, 1, 1),
    ]
    assert period_starts(dt.date(2024, 12, 31), dt.date(2025, 1, 6), "week") == [
        dt.date(2024, 12, 30),
        dt.date(2025, 1, 6),
    ]


def test_engine_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("ONEVOICE_ENGINE", raising=False)
    assert engine_name() == "duckdb"
    monkeypatch.setenv("ONEVOICE_ENGINE", "PySpark")
    assert engine_name() == "pyspark"
    monkeypatch.setenv("ONEVOICE_ENGINE", "oracle")
    with pytest.raises(
        ValueError, match="ONEVOICE_ENGINE='oracle' is not an engine; use one of: duckdb, pyspark"
    ):
        engine_name()


@pytest.mark.spark
@pytest.mark.parametrize("freq", ["week", "month", "quarter"])
def test_duckdb_and_spark_give_the_same_panel(loaded, products, spark, freq):
    spark_con = ibis.pyspark.connect(spark)
    duck_con = connect("duckdb")
    args = {
        "products": products,
        "product": "Cardiotab",
        "freq": freq,
        "start": dt.date(2025, 1, 1),
        "end": dt.date(2025, 4, 30),
    }

    on_duckdb = run(duck_con, sales_by_clinic(loaded.table(duck_con), **args))
    on_spark = run(spark_con, sales_by_clinic(loaded.table(spark_con), **args))

    assert len(on_duckdb) > 0
    pd.testing.assert_frame_equal(on_duckdb, on_spark, check_dtype=False, rtol=1e-12)


@pytest.mark.spark
def test_duckdb_and_spark_read_the_same_stored_rows(loaded, spark):
    spark_con = ibis.pyspark.connect(spark)
    duck_con = connect("duckdb")
    columns = [
        "clinic_id",
        "date",
        "sku",
        "units",
        "net_revenue",
        "currency",
        "batch_id",
        "source_row",
    ]

    def rows(con):
        frame = con.to_pandas(loaded.table(con))[columns]
        frame["date"] = pd.to_datetime(frame["date"]).dt.date
        return frame.sort_values("source_row").reset_index(drop=True)

    pd.testing.assert_frame_equal(rows(duck_con), rows(spark_con), check_dtype=False)


@pytest.mark.spark
def test_spark_reads_an_empty_dataset(dataset, products, spark):
    spark_con = ibis.pyspark.connect(spark)
    frame = run(
        spark_con,
        sales_by_clinic(
            dataset.table(spark_con),
            products=products,
            freq="month",
            start=dt.date(2025, 1, 1),
            end=dt.date(2025, 1, 31),
            clinic_ids=["CL-001"],
        ),
    )
    assert frame["units"].tolist() == [0.0]
