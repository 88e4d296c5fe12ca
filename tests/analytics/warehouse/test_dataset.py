"""The dataset: idempotent imports, rollback, atomicity, quarantine round trip, export."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pandas as pd
import pyarrow.parquet as pq
import pytest

from onevoice.analytics.warehouse import ImportRefused, SalesDataset, UnknownBatchError, readers
from onevoice.analytics.warehouse import dataset as dataset_module
from onevoice.analytics.warehouse import validation as v

from .conftest import csv_text, snapshot

MARCH = csv_text(
    "CL-001,2025-03-03,CT-100,2,80.00,EUR",
    "CL-002,2025-03-10,CT-50,1,45.00,EUR",
    "CL-003,2025-04-01,CT-100,3,120.00,EUR",
)
APRIL = csv_text(
    "CL-001,2025-04-07,CT-100,1,40.00,EUR",
    "CL-004,2025-04-08,WORM-1,6,12.00,EUR",
)


def rows(dataset):
    return sorted(
        (r["clinic_id"], r["date"].isoformat(), r["sku"], r["units"])
        for r in dataset.to_arrow().to_pylist()
    )


def test_stored_rows_are_partitioned_by_month_one_folder_per_batch(dataset, reference, write_file):
    report = dataset.import_file(write_file("march.csv", MARCH), reference=reference)

    assert report.months == ("2025-03", "2025-04")
    folders = sorted(str(f.parent.relative_to(dataset.root)) for f in dataset.files())
    assert folders == [
        f"data/month=2025-03/batch={report.batch_id}",
        f"data/month=2025-04/batch={report.batch_id}",
    ]
    assert rows(dataset) == [
        ("CL-001", "2025-03-03", "CT-100", 2.0),
        ("CL-002", "2025-03-10", "CT-50", 1.0),
        ("CL-003", "2025-04-01", "CT-100", 3.0),
    ]


def test_importing_the_same_content_twice_stores_nothing_new(dataset, reference, write_file):
    first = dataset.import_file(write_file("march.csv", MARCH), reference=reference)
    before = snapshot(dataset.root)

    again = dataset.import_file(write_file("march-copy.csv", MARCH), reference=reference)

    assert again.to_dict() == {
        "batch_id": None,
        "rows_read": 0,
        "rows_stored": 0,
        "rows_quarantined": 0,
        "reasons": {},
        "duplicate_of": first.batch_id,
    }
    assert snapshot(dataset.root) == before


def test_a_line_already_stored_by_another_batch_is_a_duplicate(dataset, reference, write_file):
    first = dataset.import_file(write_file("march.csv", MARCH), reference=reference)
    overlap = csv_text("CL-002,2025-03-10,CT-50,1,45.00,EUR", "CL-002,2025-03-11,CT-50,1,45.00,EUR")

    second = dataset.import_file(write_file("resent.csv", overlap), reference=reference)

    assert (second.rows_stored, second.reasons) == (1, {v.DUPLICATE_LINE: 1})
    assert dataset.quarantine(second.batch_id)["_detail"].tolist() == [
        f"resent.csv: row 2 repeats a line already stored in batch {first.batch_id}"
    ]
    assert len(rows(dataset)) == 4


def test_rollback_removes_exactly_one_batch(dataset, reference, write_file):
    march = dataset.import_file(write_file("march.csv", MARCH), reference=reference)
    april = dataset.import_file(write_file("april.csv", APRIL), reference=reference)

    info = dataset.rollback(march.batch_id)

    assert info.status == "rolled_back"
    assert rows(dataset) == [
        ("CL-001", "2025-04-07", "CT-100", 1.0),
        ("CL-004", "2025-04-08", "WORM-1", 6.0),
    ]
    assert [(b.batch_id, b.status) for b in dataset.batches()] == [
        (march.batch_id, "rolled_back"),
        (april.batch_id, "active"),
    ]
    assert not list(dataset.root.glob(f"data/*/batch={march.batch_id}"))


def test_a_rolled_back_file_can_be_imported_again(dataset, reference, write_file):
    path = write_file("march.csv", MARCH)
    first = dataset.import_file(path, reference=reference)
    dataset.rollback(first.batch_id)

    again = dataset.import_file(path, reference=reference)

    assert again.duplicate_of is None
    assert again.rows_stored == 3


def test_rollback_of_unknown_or_already_rolled_back_batches(dataset, reference, write_file):
    report = dataset.import_file(write_file("march.csv", MARCH), reference=reference)
    dataset.rollback(report.batch_id)

    with pytest.raises(UnknownBatchError, match="already rolled back"):
        dataset.rollback(report.batch_id)
    with pytest.raises(UnknownBatchError, match="no batch 'nope'"):
        dataset.rollback("nope")


def test_a_refused_file_leaves_the_dataset_byte_for_byte_unchanged(dataset, reference, write_file):
    dataset.import_file(write_file("march.csv", MARCH), reference=reference)
    before = snapshot(dataset.root)

    with pytest.raises(ImportRefused):
        dataset.import_file(
            write_file("bad.csv", "clinic,when\nCL-001,2025-03-03\n"), reference=reference
        )

    assert snapshot(dataset.root) == before


def test_a_failure_in_the_middle_of_reading_leaves_the_dataset_unchanged(
    dataset, reference, write_file, monkeypatch
):
    dataset.import_file(write_file("march.csv", MARCH), reference=reference)
    before = snapshot(dataset.root)
    big = csv_text(
        *[f"CL-001,2025-0{m}-1{d},CT-100,{d + 1},1,EUR" for m in (1, 2) for d in range(9)]
    )
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 128)  # many small chunks
    calls = {"n": 0}
    real_validate = v.ChunkValidator.validate

    def validate_then_fail(self, chunk):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real_validate(self, chunk)

    monkeypatch.setattr(v.ChunkValidator, "validate", validate_then_fail)

    with pytest.raises(OSError, match="disk full"):
        dataset.import_file(write_file("big.csv", big), reference=reference)

    assert calls["n"] == 3
    assert snapshot(dataset.root) == before


@pytest.mark.parametrize("fail_at", ["second_move", "manifest"])
def test_a_failure_while_committing_leaves_the_dataset_unchanged(
    dataset, reference, write_file, monkeypatch, fail_at
):
    dataset.import_file(write_file("april.csv", APRIL), reference=reference)
    before = snapshot(dataset.root)
    if fail_at == "second_move":
        real_move = SalesDataset._move
        moves = {"n": 0}

        def move(source, target):
            moves["n"] += 1
            if moves["n"] == 2:
                raise OSError("power cut")
            real_move(source, target)

        monkeypatch.setattr(SalesDataset, "_move", staticmethod(move))
    else:

        def write_manifest(self, batches):
            raise OSError("power cut")

        monkeypatch.setattr(SalesDataset, "_write_manifest", write_manifest)

    with pytest.raises(OSError, match="power cut"):
        dataset.import_file(write_file("march.csv", MARCH), reference=reference)

    assert snapshot(dataset.root) == before


def test_a_process_killed_mid_commit_leaves_readers_seeing_the_data_as_before(
    dataset, reference, write_file
):
    """A real crash: the process dies after moving one month, before the manifest."""
    dataset.import_file(write_file("april.csv", APRIL), reference=reference)
    visible_before = rows(dataset)
    batches_before = dataset.batches()
    march = write_file("march.csv", MARCH)
    script = textwrap.dedent(
        f"""
        import datetime as dt, os
        from onevoice.analytics.warehouse import Product, ProductMaster, Reference, SalesDataset
        moves = []
        real_move = SalesDataset._move
        def move(source, target):
            real_move(source, target)
            moves.append(target)
            os._exit(9)  # no cleanup, no finally blocks: like a kill -9
        SalesDataset._move = staticmethod(move)
        products = ProductMaster([Product("CT-100", "C"), Product("CT-50", "C")])
        reference = Reference(frozenset({{"CL-001", "CL-002", "CL-003"}}), products, dt.date(2025, 6, 30))
        SalesDataset({str(dataset.root)!r}).import_file({str(march)!r}, reference=reference)
        """
    )
    died = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert died.returncode == 9, died.stderr
    assert list(dataset.root.glob("data/month=2025-03/batch=*")), "the crash left a moved folder"

    assert rows(dataset) == visible_before
    assert dataset.batches() == batches_before

    report = dataset.import_file(march, reference=reference)  # the next writer cleans up
    assert report.rows_stored == 3
    assert len(list(dataset.root.glob("data/month=2025-03/batch=*"))) == 1
    assert not (dataset.root / "staging").exists()


def test_quarantined_rows_can_be_downloaded_corrected_and_reimported(
    dataset, reference, write_file, tmp_path
):
    text = csv_text(
        "CL-001,2025-03-03,CT-100,2,80.00,EUR",
        "CL-0O2,2025-03-04,CT-100,2,80.00,EUR",
        "CL-003,2025-03-05,CT-100,two,80.00,EUR",
    )
    first = dataset.import_file(write_file("march.csv", text), reference=reference)
    download = dataset.export_quarantine(first.batch_id, tmp_path / "refused.csv")

    corrected = pd.read_csv(download, dtype=str, keep_default_na=False)
    corrected.loc[corrected["_reason"] == v.UNKNOWN_CLINIC, "clinic_id"] = "CL-002"
    corrected.loc[corrected["_reason"] == v.NON_NUMERIC_UNITS, "units"] = "2"
    corrected.to_csv(tmp_path / "corrected.csv", index=False)
    second = dataset.import_file(tmp_path / "corrected.csv", reference=reference)

    assert (first.rows_stored, first.rows_quarantined) == (1, 2)
    assert (second.rows_stored, second.rows_quarantined) == (2, 0)
    assert [r[0] for r in rows(dataset)] == ["CL-001", "CL-002", "CL-003"]


def test_export_writes_canonical_columns_that_import_back_identically(
    dataset, reference, write_file, tmp_path
):
    dataset.import_file(write_file("march.csv", MARCH), reference=reference)
    dataset.import_file(write_file("april.csv", APRIL), reference=reference)

    n_csv = dataset.export(tmp_path / "all.csv")
    n_parquet = dataset.export(tmp_path / "all.parquet")

    assert n_csv == n_parquet == 5
    header = (tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == '"clinic_id","date","sku","units","net_revenue","currency"'
    assert pq.read_table(tmp_path / "all.parquet").column_names == [
        "clinic_id",
        "date",
        "sku",
        "units",
        "net_revenue",
        "currency",
    ]
    copy = SalesDataset(tmp_path / "copy")
    copy.import_file(tmp_path / "all.csv", reference=reference)
    assert rows(copy) == rows(dataset)


def test_export_refuses_other_extensions(dataset, tmp_path):
    with pytest.raises(ValueError, match=r"export writes \.csv or \.parquet files, not '\.json'"):
        dataset.export(tmp_path / "x.json")


def test_batches_carry_what_the_operational_manifest_mirrors(dataset, reference, write_file):
    report = dataset.import_file(write_file("march.csv", MARCH), reference=reference)

    (info,) = dataset.batches()

    assert info.batch_id == report.batch_id
    assert info.source_name == "march.csv"
    assert len(info.content_hash) == 64
    assert info.imported_at == dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC).isoformat()
    assert (info.rows_read, info.rows_stored, info.rows_quarantined) == (3, 3, 0)
    assert info.months == ("2025-03", "2025-04")


def test_progress_is_reported_up_to_the_whole_file(dataset, reference, write_file):
    seen = []
    path = write_file("march.csv", MARCH)

    dataset.import_file(path, reference=reference, on_progress=seen.append)

    assert seen[-1].rows_read == 3
    assert seen[-1].bytes_read == seen[-1].total_bytes == path.stat().st_size


def test_an_empty_dataset_reads_as_an_empty_table(dataset):
    assert dataset.to_arrow().num_rows == 0
    assert dataset.files() == []
    assert dataset.batches() == []


def test_manifest_is_the_only_truth_about_batches(dataset, reference, write_file):
    dataset.import_file(write_file("march.csv", MARCH), reference=reference)

    assert (dataset.root / dataset_module.MANIFEST).exists()
    assert not list(dataset.root.glob(".manifest-*"))


@pytest.mark.parametrize("seek_limit", [readers.SEEK_LIMIT, 0])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_duplicate_lines_are_quarantined_with_their_own_text(
    dataset, reference, write_file, monkeypatch, seek_limit, encoding
):
    monkeypatch.setattr(readers, "SEEK_LIMIT", seek_limit)
    text = csv_text(
        "CL-001,2025-03-03,CT-100,2,80.00,EUR",
        "CL-002,2025-04-03,CT-100,1,40.00,EUR",
        '"CL-001",2025-03-03,CT-100,2.0,80,EUR',
        "CL-001,2025-03-03,CT-100,2,80.00,EUR",
    )

    report = dataset.import_file(
        write_file("dup.csv", text, encoding=encoding), reference=reference
    )

    assert report.reasons == {v.DUPLICATE_LINE: 2}
    refused = dataset.quarantine(report.batch_id)
    assert refused[["_source_row", "units", "net_revenue"]].values.tolist() == [
        [4, "2.0", "80"],
        [5, "2", "80.00"],
    ]
    assert refused["_detail"].tolist() == [
        "dup.csv: row 4 repeats row 2 of the same file",
        "dup.csv: row 5 repeats row 2 of the same file",
    ]
    assert rows(dataset) == [
        ("CL-001", "2025-03-03", "CT-100", 2.0),
        ("CL-002", "2025-04-03", "CT-100", 1.0),
    ]


def test_concurrent_imports_take_turns_and_both_land(dataset, reference, write_file):
    from concurrent.futures import ThreadPoolExecutor

    paths = [write_file("march.csv", MARCH), write_file("april.csv", APRIL)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda p: dataset.import_file(p, reference=reference), paths))

    assert sorted(b.batch_id for b in dataset.batches()) == sorted(r.batch_id for r in reports)
    assert len(rows(dataset)) == 5
