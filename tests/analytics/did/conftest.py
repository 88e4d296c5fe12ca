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


def synthetic_panel(
    *,
    sizes: dict[int, int] | None = None,
    periods: range = range(1, 9),
    effect: float = 2.0,
    selection: float = 5.0,
    noise: float = 1.0,
    seed: int = 0,
    anticipation_effect: float = 0.0,
) -> pd.DataFrame:
    """A staggered panel with a known effect.

    ``y = level_i + 0.5 t + effect * 1{t >= g} + anticipation_effect * 1{t = g - 1} + e``;
    treated units' levels are higher by ``selection`` (they select into treatment on level).
    ``sizes`` maps cohort (0 = never) to number of units.
    """
    import numpy as np

    sizes = sizes or {0: 60, 4: 30, 6: 30}
    rng = np.random.default_rng(seed)
    rows = []
    uid = 0
    for g, size in sizes.items():
        for _ in range(size):
            uid += 1
            level = rng.normal(10.0 + (selection if g else 0.0), 1.0)
            for t in periods:
                y = level + 0.5 * t + rng.normal(0.0, noise)
                if g and t >= g:
                    y += effect
                if g and t == g - 1:
                    y += anticipation_effect
                rows.append({"unit": uid, "time": t, "cohort": g, "y": y, "level": level})
    return pd.DataFrame(rows)


SYN_COLUMNS = {"unit": "unit", "time": "time", "cohort": "cohort", "outcome": "y"}
