"""Fixtures for the difference-in-differences tests: the mpdta reference data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

MPDTA_DIR = Path(__file__).resolve().parents[2] / "data" / "mpdta"


@pytest.fixture(scope="session")
def mpdta() -> pd.DataFrame:
    """R did's example panel: 500 counties x 2003-2007."""
    return pd.read_csv(MPDTA_DIR / "mpdta.csv")


@pytest.fixture(scope="session")
def published() -> dict[str, Any]:
    """Numbers printed by the did documentation (see PROVENANCE.md)."""
    return json.loads((MPDTA_DIR / "published.json").read_text())


@pytest.fixture(scope="session")
def ref_attgt() -> pd.DataFrame:
    return pd.read_csv(MPDTA_DIR / "attgt.csv")


@pytest.fixture(scope="session")
def ref_aggte() -> pd.DataFrame:
    return pd.read_csv(MPDTA_DIR / "aggte.csv")


@pytest.fixture(scope="session")
def ref_pretest() -> pd.DataFrame:
    return pd.read_csv(MPDTA_DIR / "pretest.csv")


MPDTA_COLUMNS = {"unit": "countyreal", "time": "year", "cohort": "first.treat", "outcome": "lemp"}
