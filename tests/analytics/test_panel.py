"""The clinic × period panel built through Ibis on DuckDB from a real Parquet dataset."""

import datetime as dt

import pandas as pd
import pytest

from onevoice.analytics.panel import sales_panel
from onevoice.analytics.warehouse import Product, ProductMaster, Reference, SalesDataset, connect

PRODUCTS = ProductMaster([Product(sku="S1", product="Pimo", pack_size=60, doses_per_day=2)])
CLINICS = pd.DataFrame(
    {
        "clinic_id": ["A", "B", "C", "D"],
        "n_vets": [1, 3, 2, 5],
        "patient_volume": [500, 2000, 900, 4000],
        "segment": ["small", "large", "small", "large"],
        "region": ["N", "N", "S", "S"],
    }
)
CSV = """clinic_id,date,sku,units,net_revenue,currency
A,2025-01-10,S1,2,20,EUR
A,2025-03-05,S1,4,40,EUR
B,2025-01-02,S1,10,100,EUR
B,2025-02-02,S1,12,120,EUR
B,2025-03-02,S1,15,150,EUR
D,2025-02-11,S1,1,10,EUR
"""


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(CSV)
    dataset = SalesDataset(tmp_path / "ds")
    dataset.import_file(
        path,
        reference=Reference(
            clinic_ids=frozenset("ABCD"), products=PRODUCTS, now=dt.date(2026, 1, 1)
        ),
    )
    return dataset.table(connect())


def _panel(table, **kw):
    args = {
        "products": PRODUCTS,
        "clinics": CLINICS,
        "start": dt.date(2025, 1, 1),
        "end": dt.date(2025, 3, 31),
        "pre_end": dt.date(2025, 2, 1),
        "treatment": {"B": dt.date(2025, 2, 14), "D": dt.date(2024, 12, 1)},
    }
    args.update(kw)
    return sales_panel(table, **args)


def test_every_clinic_and_period_is_present_and_zero_filled(table):
    panel = _panel(table)
    frame = panel.frame
    # D was trained before the data start: left out, and said so.
    assert sorted(frame.clinic_id.unique()) == ["A", "B", "C"]
    assert any("before the data start" in n for n in panel.notes)
    assert len(frame) == 3 * 3
    c = frame[frame.clinic_id == "C"]
    assert c.outcome.tolist() == [0.0, 0.0, 0.0]
    a = frame[frame.clinic_id == "A"].sort_values("t")
    assert a.outcome.tolist() == [2.0, 0.0, 4.0]


def test_cohort_is_the_period_of_first_training_and_pre_level_is_before_campaign(table):
    frame = _panel(table).frame
    cohorts = frame.groupby("clinic_id").cohort.first().to_dict()
    assert cohorts == {"A": 0, "B": 2, "C": 0}
    pre = frame.groupby("clinic_id").pre_level.first().to_dict()
    assert pre == {"A": 2.0, "B": 10.0, "C": 0.0}


@pytest.mark.parametrize(
    ("outcome", "expected_b"),
    [
        ("net_revenue", [100.0, 120.0, 150.0]),
        # 60 tablets at 2 a day last 30 days: 30 / (365.25 / 12) treatment-months a pack.
        ("treatment_months", [u * 30 / (365.25 / 12) for u in (10, 12, 15)]),
        ("any_purchase", [1.0, 1.0, 1.0]),
    ],
)
def test_outcomes(table, outcome, expected_b):
    frame = _panel(table, outcome=outcome).frame
    b = frame[frame.clinic_id == "B"].sort_values("t")
    assert b.outcome.tolist() == pytest.approx(expected_b)


def test_quarterly_panel_and_bad_outcome(table):
    frame = _panel(table, freq="quarter").frame
    assert frame.t.max() == 1
    with pytest.raises(ValueError, match="outcome must be one of"):
        _panel(table, outcome="profit")
