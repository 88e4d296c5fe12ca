"""The launched product: pimobendan chewable tablets in four strengths.

Strengths follow the US label (1.25/2.5/5/10 mg chewables, 21 CFR 520.1780).
Dosing: 0.25 mg/kg twice daily (EU SPC, preferred 0.5 mg/kg/day), so each
strength suits one weight band at one tablet twice a day: 1.25 mg for ~5 kg,
2.5 mg for ~10 kg, 5 mg for ~20 kg, 10 mg for ~40 kg. That is 60 tablets a
month per dog whatever the strength.

Assumed, not verified (heart.md marks pack sizes and prices as unverified):
one pack of 100 tablets per strength, hence 100 / 60 = 1.67 treatment months
per pack; list prices in EUR are invented but rise less than linearly with
strength, as veterinary list prices usually do. The brand name is fictional.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TABLETS_PER_PACK = 100
TABLETS_PER_DOG_MONTH = 60  # one tablet twice a day, 30 days
STRENGTHS_MG = (1.25, 2.5, 5.0, 10.0)
LIST_PRICES_EUR = (38.0, 52.0, 78.0, 125.0)
# Share of packs by strength: MMVD is mostly a disease of small dogs (<20 kg,
# Mattin 2015), so the low strengths dominate. Per-clinic mixes scatter around it.
STRENGTH_MIX = np.array([0.32, 0.42, 0.19, 0.07])


def build_products() -> pd.DataFrame:
    """Return the product master (one row per SKU).

    Returns
    -------
    pandas.DataFrame
        Columns ``sku``, ``name``, ``strength_mg``, ``tablets_per_pack``,
        ``list_price`` (EUR per pack) and ``treatment_months_per_pack`` (months
        one pack lasts one dog dosed one tablet twice a day).
    """
    skus = [f"CDV-{int(mg * 100):04d}-{TABLETS_PER_PACK}" for mg in STRENGTHS_MG]
    names = [f"Cardivance {mg:g} mg chewable tablets x {TABLETS_PER_PACK}" for mg in STRENGTHS_MG]
    return pd.DataFrame(
        {
            "sku": skus,
            "name": names,
            "strength_mg": np.array(STRENGTHS_MG),
            "tablets_per_pack": np.full(len(STRENGTHS_MG), TABLETS_PER_PACK, dtype=np.int64),
            "list_price": np.array(LIST_PRICES_EUR),
            "treatment_months_per_pack": np.full(
                len(STRENGTHS_MG), round(TABLETS_PER_PACK / TABLETS_PER_DOG_MONTH, 3)
            ),
        }
    )
