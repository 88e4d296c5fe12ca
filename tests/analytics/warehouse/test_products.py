"""Product master: pack sizes to treatment-months."""

from __future__ import annotations

import pytest

from onevoice.analytics.warehouse import Product, ProductMaster


def test_a_pack_covers_pack_size_over_daily_dose_days(products):
    # 100 tablets at 2 a day last 50 days = 50 / 30.4375 months.
    assert products["CT-100"].treatment_months_per_pack == pytest.approx(50 / 30.4375)
    assert products.treatment_months("CT-50", 4) == pytest.approx(100 / 30.4375)
    assert products.treatment_months("WORM-1", 4) is None


def test_skus_of_a_product(products):
    assert products.skus_of("Cardiotab") == ["CT-100", "CT-50"]
    assert products.skus == frozenset({"CT-100", "CT-50", "WORM-1"})


def test_from_csv(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "sku,product,pack_size,doses_per_day\nA,Alpha,30,1\nB,Beta,,\n", encoding="utf-8"
    )

    master = ProductMaster.from_csv(path)

    assert master["A"].treatment_months_per_pack == pytest.approx(30 / 30.4375)
    assert master["B"].treatment_months_per_pack is None


def test_invalid_masters_are_refused(tmp_path):
    with pytest.raises(ValueError, match="SKU 'A' is listed twice"):
        ProductMaster([Product("A", "x"), Product("A", "y")])
    with pytest.raises(ValueError, match="SKU 'A' has pack_size 0"):
        Product("A", "x", pack_size=0, doses_per_day=1)
    path = tmp_path / "p.csv"
    path.write_text("sku,product\n,Alpha\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"p\.csv: row 2: column 'sku' is empty"):
        ProductMaster.from_csv(path)
