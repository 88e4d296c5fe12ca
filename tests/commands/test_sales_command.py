"""`onevoice import sales` and `export sales` as a user runs them: real processes, the
real Django wiring (reference from the database, the batch mirrored, audited)."""

from __future__ import annotations

import json
import os
import pwd
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.commands.support import run_onevoice

SETUP = """
from onevoice.accounts.models import Region
from onevoice.campaigns.models import Product
from onevoice.field.models import Clinic
north = Region.objects.create(code="N", name="North")
for code in ("C1", "C2"):
    Clinic.objects.create(code=code, name=code, region=north, segment="independent_small")
Product.objects.create(sku="SKU-1", name="Pimobendan 2.5 mg x 100", strength_mg=2.5,
    tablets_per_pack=100, list_price=30, treatment_months_per_pack=1.64)
"""
SALES = (
    "clinic_id,date,sku,units,net_revenue,currency\n"
    "C1,2026-01-15,SKU-1,3,90.0,EUR\n"
    "C2,2026-01-20,SKU-1,5,150.0,EUR\n"
    "NOPE,2026-01-20,SKU-1,5,150.0,EUR\n"
)


def _run(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_onevoice(*args, home=home, env=env)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    out = _run(home, "manage", "migrate", "--verbosity", "0")
    assert out.returncode == 0, out.stderr
    out = _run(home, "manage", "shell", "--command", SETUP)
    assert out.returncode == 0, out.stderr
    return home


def _query(home: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "onevoice.sqlite3") as db:
        return list(db.execute(sql))


def test_import_prints_the_report_mirrors_and_audits_the_batch(home, tmp_path):
    sales_file = tmp_path / "jan.csv"
    sales_file.write_text(SALES)

    out = _run(home, "import", "sales", str(sales_file), "--json", env={"USER": "ceo"})

    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)  # only the report on stdout
    assert set(report) == {
        "batch_id",
        "rows_read",
        "rows_stored",
        "rows_quarantined",
        "reasons",
        "duplicate_of",
    }
    assert (report["rows_read"], report["rows_stored"], report["rows_quarantined"]) == (3, 2, 1)
    assert report["reasons"] == {"unknown_clinic": 1}
    assert _query(home, "SELECT batch_id, rows_stored FROM measurement_salesbatch") == [
        (report["batch_id"], 2)
    ]
    [(actor, after)] = _query(
        home, "SELECT actor_id, after FROM accounts_auditevent WHERE action = 'sales.import'"
    )
    assert actor is None
    # The system account, from the user database: the environment cannot name another.
    assert json.loads(str(after))["via"] == f"command line ({pwd.getpwuid(os.getuid()).pw_name})"

    again = _run(home, "import", "sales", str(sales_file), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["duplicate_of"] == report["batch_id"]

    exported = tmp_path / "out.csv"
    out = _run(home, "export", "sales", str(exported))
    assert out.returncode == 0, out.stderr
    lines = exported.read_text().splitlines()
    assert lines[0].replace('"', "") == "clinic_id,date,sku,units,net_revenue,currency"
    assert len(lines) == 3


def test_a_file_missing_a_column_is_refused_naming_the_columns_found(home, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("clinic_id,date,units\nC1,2026-01-15,3\n")

    out = _run(home, "import", "sales", str(bad), "--json")

    assert out.returncode == 1
    assert "missing required column(s) 'sku'" in out.stderr
    assert "the header has 'clinic_id', 'date', 'units'" in out.stderr
    assert out.stdout == ""
    assert _query(home, "SELECT count(*) FROM measurement_salesbatch") == [(0,)]
