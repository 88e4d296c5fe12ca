"""The clinic-indexed copy of the sales: the same rows as the dataset, rebuilt when an
import or a rollback changes the active batches, built once when asked from several
places at once, and answering a few clinics' questions as the Parquet files do."""

from __future__ import annotations

import threading

import duckdb
import pyarrow as pa
import pytest

from onevoice.analytics.warehouse import clinic_index
from onevoice.analytics.warehouse.engine import connect
from onevoice.analytics.warehouse.validation import STORED_SCHEMA

from .conftest import CANONICAL_HEADER

MARCH = f"""{CANONICAL_HEADER}
CL-002,2025-03-03,CT-100,4,120.00,EUR
CL-001,2025-03-04,CT-50,2,35.50,EUR
CL-003,2025-03-20,WORM-1,1,9.90,EUR
"""
APRIL = f"""{CANONICAL_HEADER}
CL-001,2025-04-02,CT-100,3,90.00,EUR
CL-004,2025-04-15,CT-50,6,,EUR
"""


def rows(table) -> list[tuple]:
    """Every stored column of every row (the Parquet files add their partition keys)."""
    frame = table.select(STORED_SCHEMA.names).to_pyarrow()
    return sorted(zip(*(frame[c].to_pylist() for c in frame.column_names), strict=True))


def test_it_holds_the_active_rows_and_follows_imports_and_rollbacks(dataset, reference, write_file):
    assert clinic_index.ensure_index(dataset) is None  # nothing imported yet
    assert rows(clinic_index.indexed_table(dataset)) == []
    march = dataset.import_file(write_file("march.csv", MARCH), reference=reference)
    first = clinic_index.ensure_index(dataset)
    assert first is not None
    assert first.exists()
    assert rows(clinic_index.indexed_table(dataset)) == rows(dataset.table(connect()))

    dataset.import_file(write_file("april.csv", APRIL), reference=reference)
    second = clinic_index.ensure_index(dataset)
    assert second != first
    assert not first.exists()
    assert len(rows(clinic_index.indexed_table(dataset))) == 5
    assert rows(clinic_index.indexed_table(dataset)) == rows(dataset.table(connect()))

    dataset.rollback(march.batch_id)
    after = rows(clinic_index.indexed_table(dataset))
    assert after == rows(dataset.table(connect()))
    assert {r[2] for r in after} == {"CL-001", "CL-004"}  # April's clinics only


def test_a_few_clinics_are_answered_as_the_parquet_files_answer(dataset, reference, write_file):
    dataset.import_file(write_file("march.csv", MARCH), reference=reference)
    dataset.import_file(write_file("april.csv", APRIL), reference=reference)

    def per_clinic(table):
        picked = table.filter(table.clinic_id.isin(["CL-001", "CL-004"]))
        expr = picked.group_by("clinic_id").aggregate(
            units=picked.units.sum(), revenue=picked.net_revenue.fill_null(0).sum()
        )
        return expr.order_by("clinic_id").to_pyarrow().to_pylist()

    expected = per_clinic(dataset.table(connect()))
    assert expected == [
        {"clinic_id": "CL-001", "units": 5.0, "revenue": 125.5},
        {"clinic_id": "CL-004", "units": 6.0, "revenue": 0.0},
    ]
    assert per_clinic(clinic_index.indexed_table(dataset)) == expected


def test_asked_from_several_threads_at_once_it_is_built_once(
    dataset, reference, write_file, monkeypatch
):
    dataset.import_file(write_file("march.csv", MARCH), reference=reference)
    builds = []
    real = clinic_index._build

    def counting(*args, **kwargs):
        builds.append(1)
        real(*args, **kwargs)

    monkeypatch.setattr(clinic_index, "_build", counting)
    found: list[object] = []
    threads = [
        threading.Thread(target=lambda: found.append(clinic_index.ensure_index(dataset)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert len(set(found)) == 1
    assert not list(dataset.root.glob("derived/*.partial"))


def test_a_failed_build_leaves_no_copy_behind(dataset, reference, write_file, monkeypatch):
    dataset.import_file(write_file("march.csv", MARCH), reference=reference)

    monkeypatch.setattr(clinic_index, "STORED_SCHEMA", pa.schema([("no_such", pa.string())]))
    with pytest.raises(duckdb.Error, match="no_such"):  # DuckDB refuses the unknown column
        clinic_index.ensure_index(dataset)
    assert not list(dataset.root.glob("derived/sales-*"))
    monkeypatch.undo()
    assert clinic_index.ensure_index(dataset) is not None  # built on the next ask


def test_a_batch_whose_every_row_was_refused_gives_an_empty_copy(dataset, reference, write_file):
    bad = f"{CANONICAL_HEADER}\nCL-999,2025-03-03,CT-100,4,120.00,EUR\n"  # unknown clinic
    report = dataset.import_file(write_file("bad.csv", bad), reference=reference)
    assert report.rows_stored == 0
    assert rows(clinic_index.indexed_table(dataset)) == []
