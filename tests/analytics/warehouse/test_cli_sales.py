"""``onevoice import sales`` / ``export sales`` through Typer's CliRunner, on a tiny app."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from onevoice.commands import sales

from .conftest import csv_text

SALES = csv_text(
    "CL-001,2025-03-03,CT-100,2,80.00,EUR",
    "CL-999,2025-03-04,CT-100,2,80.00,EUR",
    "CL-002,2025-03-05,CT-50,x,80.00,EUR",
)


@pytest.fixture
def app(monkeypatch, reference, dataset):
    monkeypatch.setattr(sales, "hooks", sales.SalesCommandHooks())
    sales.configure(reference=lambda: reference, dataset=lambda: dataset)
    tiny = typer.Typer()
    tiny.add_typer(sales.import_app, name="import")
    tiny.add_typer(sales.export_app, name="export")
    return tiny


runner = CliRunner()


def test_import_json_prints_only_the_report(app, dataset, write_file):
    result = runner.invoke(app, ["import", "sales", str(write_file("march.csv", SALES)), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report == {
        "batch_id": dataset.batches()[0].batch_id,
        "rows_read": 3,
        "rows_stored": 1,
        "rows_quarantined": 2,
        "reasons": {"non_numeric_units": 1, "unknown_clinic": 1},
        "duplicate_of": None,
    }


def test_importing_twice_reports_the_duplicate(app, write_file):
    path = str(write_file("march.csv", SALES))
    first = json.loads(runner.invoke(app, ["import", "sales", path, "--json"]).stdout)

    second = runner.invoke(app, ["import", "sales", path, "--json"])

    assert json.loads(second.stdout)["duplicate_of"] == first["batch_id"]
    human = runner.invoke(app, ["import", "sales", path])
    assert f"already imported as batch {first['batch_id']}; nothing stored" in human.stdout


def test_import_with_a_mapping_file(app, dataset, write_file, tmp_path):
    mapping = tmp_path / "grosso.yaml"
    mapping.write_text(
        "columns: {clinic_id: Kunde, date: Datum, sku: Artikel, units: Menge}\n"
        "clinic_ids: {'4711': CL-003}\n",
        encoding="utf-8",
    )
    path = write_file("grosso.csv", "Kunde;Datum;Artikel;Menge\n4711;03.03.2025;CT-100;2\n")

    result = runner.invoke(app, ["import", "sales", str(path), "--mapping", str(mapping), "--json"])

    assert result.exit_code == 0, result.output
    assert dataset.to_arrow().column("clinic_id").to_pylist() == ["CL-003"]


def test_human_output_summarises_reasons(app, write_file):
    result = runner.invoke(app, ["import", "sales", str(write_file("march.csv", SALES))])

    assert result.exit_code == 0, result.output
    assert "read 3 rows, stored 1, quarantined 2" in result.stdout
    assert "unknown_clinic" in result.stdout
    assert "onevoice export quarantine" in result.stdout


def test_a_refused_file_exits_non_zero_with_one_line_on_stderr(app, write_file):
    path = write_file("bad.csv", "clinic,when\nCL-001,2025-03-03\n")

    result = runner.invoke(app, ["import", "sales", str(path), "--json"])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "error: bad.csv: missing required column(s) 'clinic_id', 'date', 'sku', 'units'; "
        "the header has 'clinic', 'when'"
    )


def test_without_a_reference_provider_the_command_says_so(app, monkeypatch, write_file):
    monkeypatch.setattr(sales, "hooks", sales.SalesCommandHooks())

    result = runner.invoke(app, ["import", "sales", str(write_file("march.csv", SALES))])

    assert result.exit_code == 1
    assert "no clinic and product reference is configured" in result.stderr


def test_a_failing_mirror_rolls_the_batch_back(app, dataset, write_file):
    def mirror(report):
        raise RuntimeError("database is locked")

    sales.hooks.on_import = mirror

    with pytest.raises(RuntimeError, match="database is locked"):
        runner.invoke(
            app, ["import", "sales", str(write_file("march.csv", SALES))], catch_exceptions=False
        )

    assert [b.status for b in dataset.batches()] == ["rolled_back"]
    assert dataset.files() == []


def test_export_sales_and_quarantine(app, dataset, write_file, tmp_path):
    report = json.loads(
        runner.invoke(
            app, ["import", "sales", str(write_file("march.csv", SALES)), "--json"]
        ).stdout
    )

    exported = runner.invoke(app, ["export", "sales", str(tmp_path / "out.parquet")])
    refused = runner.invoke(
        app, ["export", "quarantine", report["batch_id"], str(tmp_path / "refused.csv")]
    )

    assert exported.exit_code == 0, exported.output
    assert exported.stdout.strip() == f"wrote 1 rows to {tmp_path / 'out.parquet'}"
    assert pd.read_parquet(tmp_path / "out.parquet")["clinic_id"].tolist() == ["CL-001"]
    assert refused.exit_code == 0, refused.output
    assert pd.read_csv(tmp_path / "refused.csv")["_reason"].tolist() == [
        "unknown_clinic",
        "non_numeric_units",
    ]


def test_export_to_an_unknown_extension_fails_cleanly(app, tmp_path):
    result = runner.invoke(app, ["export", "sales", str(tmp_path / "out.xlsx")])

    assert result.exit_code == 1
    assert "export writes .csv or .parquet files, not '.xlsx'" in result.stderr
