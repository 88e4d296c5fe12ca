"""The import report's public shape and its arithmetic."""

from __future__ import annotations

import pytest

import onevoice.analytics.warehouse as warehouse
from onevoice.analytics.warehouse import ImportReport


def test_to_dict_has_exactly_the_public_keys():
    report = ImportReport("b1", rows_read=5, rows_stored=3, rows_quarantined=2, reasons={"x": 2})

    assert report.to_dict() == {
        "batch_id": "b1",
        "rows_read": 5,
        "rows_stored": 3,
        "rows_quarantined": 2,
        "reasons": {"x": 2},
        "duplicate_of": None,
    }


def test_a_report_that_does_not_add_up_cannot_exist():
    with pytest.raises(ValueError, match="read 5 != stored 3 \\+ quarantined 1"):
        ImportReport("b1", rows_read=5, rows_stored=3, rows_quarantined=1)


def test_public_surface():
    assert sorted(warehouse.__all__) == sorted(
        [
            "CANONICAL_COLUMNS",
            "REASONS",
            "REQUIRED_COLUMNS",
            "BatchInfo",
            "ColumnMapping",
            "ImportProgress",
            "ImportRefused",
            "ImportReport",
            "MissingColumnsError",
            "Product",
            "ProductMaster",
            "Reference",
            "SalesDataset",
            "SalesImportError",
            "UnknownBatchError",
            "connect",
            "engine_name",
            "load_mapping",
            "sales_by_clinic",
        ]
    )
    for name in warehouse.__all__:
        assert getattr(warehouse, name) is not None
