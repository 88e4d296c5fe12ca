"""Repeated lines are held back before anything is written, and judged by their values."""

from __future__ import annotations

import numpy as np

from onevoice.analytics.warehouse import readers
from onevoice.analytics.warehouse import validation as v
from onevoice.analytics.warehouse.dedup import SeenKeys

from .conftest import csv_text


def test_seen_keys_flags_every_later_occurrence_within_and_across_chunks():
    seen = SeenKeys()

    first = seen.add(np.array([5, 5, 7, 5, 2**64 - 1], np.uint64))
    second = seen.add(np.array([7, 8, 8, 2**64 - 1, 9], np.uint64))

    assert first.tolist() == [False, True, False, True, False]
    assert second.tolist() == [True, False, True, True, False]
    assert seen.add(np.array([], np.uint64)).tolist() == []


def test_rows_sharing_a_hash_but_not_their_values_are_stored(
    dataset, reference, write_file, monkeypatch
):
    # Every row gets the same hash, so every row after the first is held back; only the
    # values decide which of them repeat a line.
    monkeypatch.setattr(
        v.ChunkValidator, "key_hash", lambda self, good: np.zeros(good.num_rows, np.uint64)
    )
    path = write_file(
        "sales.csv",
        csv_text(
            "CL-001,2025-03-03,CT-100,2,80.00,EUR",
            "CL-002,2025-04-03,CT-100,1,40.00,EUR",
            "CL-001,2025-03-03,CT-100,2.0,80,EUR",
            "CL-002,2025-04-03,CT-100,1,40.00,",
            "CL-002,2025-04-03,CT-100,1,40.00,EUR",
            "CL-003,2025-04-04,CT-50,3,,",
            "CL-003,2025-04-04,CT-50,3,,",
        ),
    )

    report = dataset.import_file(path, reference=reference)

    assert (report.rows_read, report.rows_stored, report.rows_quarantined) == (7, 4, 3)
    assert report.reasons == {v.DUPLICATE_LINE: 3}
    refused = dataset.quarantine(report.batch_id)
    assert refused[["_source_row", "_detail"]].values.tolist() == [
        [4, "sales.csv: row 4 repeats row 2 of the same file"],
        [6, "sales.csv: row 6 repeats row 3 of the same file"],
        [8, "sales.csv: row 8 repeats row 7 of the same file"],
    ]
    assert refused["units"].tolist() == ["2.0", "1", "3"]
    stored = dataset.to_arrow().sort_by("source_row")
    assert stored.column("source_row").to_pylist() == [2, 3, 5, 7]
    assert stored.column("currency").to_pylist() == ["EUR", "EUR", None, None]


def test_repeats_across_chunks_keep_the_first_occurrence(
    dataset, reference, write_file, monkeypatch
):
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 256)  # about six rows a chunk
    lines = [f"CL-00{1 + i % 4},2025-03-{1 + i % 28:02d},CT-100,{i},{i}.50,EUR" for i in range(60)]
    lines += [lines[3], lines[40], lines[3], lines[59]]

    report = dataset.import_file(write_file("sales.csv", csv_text(*lines)), reference=reference)

    assert (report.rows_read, report.rows_stored, report.rows_quarantined) == (64, 60, 4)
    assert dataset.quarantine(report.batch_id)["_detail"].tolist() == [
        "sales.csv: row 62 repeats row 5 of the same file",
        "sales.csv: row 63 repeats row 42 of the same file",
        "sales.csv: row 64 repeats row 5 of the same file",
        "sales.csv: row 65 repeats row 61 of the same file",
    ]
    assert sorted(dataset.to_arrow().column("source_row").to_pylist()) == list(range(2, 62))
