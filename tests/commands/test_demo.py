"""`onevoice demo --no-serve` as a user runs it: a real process on a fresh directory."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

TABLES = ("accounts_user", "field_clinic", "field_vet", "field_customertraining")


def _demo(home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["COLUMNS"] = "160"
    return subprocess.run(
        [sys.executable, "-m", "onevoice", "demo", "--no-serve", "--home", str(home), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _counts(home: Path) -> dict[str, int]:
    with sqlite3.connect(home / "onevoice.sqlite3") as db:
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def test_demo_loads_once_and_a_second_run_changes_nothing(tmp_path):
    home = tmp_path / "fresh" / "home"  # does not exist yet: demo creates it
    first = _demo(home, "--clinics", "120")
    assert first.returncode == 0, first.stderr
    assert "Loaded the simulated company: 120 clinics" in first.stdout
    assert "3 campaigns" in first.stdout
    # The simulation's truth is beside the data, one entry per campaign.
    truth = json.loads((home / "demo-truth.json").read_text())
    assert [c["status"] for c in truth["campaigns"]] == ["reviewed", "reviewed", "live"]
    assert all(c["skus"] and c["true_att"] >= 0 for c in truth["campaigns"])
    assert "http://127.0.0.1:8000" not in first.stdout  # --no-serve: nothing served
    before = _counts(home)
    assert before["field_clinic"] == 120
    assert before["field_vet"] > 120
    assert before["field_customertraining"] > 0

    second = _demo(home, "--clinics", "300", "--seed", "5")
    assert second.returncode == 0, second.stderr
    assert "already holds the demo; nothing was added" in second.stdout
    assert _counts(home) == before
