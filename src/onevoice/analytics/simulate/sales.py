"""Distributor sales lines: monthly packs per clinic split over SKUs, with net revenue."""

from __future__ import annotations

import numpy as np
import pandas as pd

from onevoice.analytics.simulate.products import LIST_PRICES_EUR, STRENGTH_MIX

# How tightly each clinic's strength mix follows the market mix (Dirichlet
# concentration): clinics differ in their patients' weights, but not wildly.
MIX_CONCENTRATION = 20.0
# Net price = list price minus a negotiated discount: groups buy centrally and
# get the most; referral centres are valued accounts.
SEGMENT_DISCOUNT = np.array([0.02, 0.04, 0.10, 0.06])
DISCOUNT_SPREAD = 0.04
CURRENCY = "EUR"


def split_by_sku(rng: np.random.Generator, units: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """Split total packs into SKUs, shape ``(n_clinics, n_months, n_skus)``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    units : numpy.ndarray
        Total packs per clinic and month, integers.
    mix : numpy.ndarray
        Per-clinic SKU shares, shape ``(n_clinics, n_skus)``, rows summing to 1.

    Returns
    -------
    numpy.ndarray
        Integer packs per SKU; summing over the last axis gives ``units`` back.
    """
    n_skus = mix.shape[1]
    out = np.empty((*units.shape, n_skus), dtype=np.int64)
    remaining = units.astype(np.int64)
    remaining_share = np.ones(mix.shape[0])
    # Sequential binomials draw a multinomial split for every cell at once.
    for k in range(n_skus - 1):
        p = np.clip(mix[:, k] / np.maximum(remaining_share, 1e-12), 0.0, 1.0)
        draw = rng.binomial(remaining, p[:, None])
        out[..., k] = draw
        remaining = remaining - draw
        remaining_share = remaining_share - mix[:, k]
    out[..., n_skus - 1] = remaining
    return out


def build_sales(
    rng: np.random.Generator,
    *,
    units: np.ndarray,
    segment: np.ndarray,
    clinic_ids: pd.Series,
    month_starts: pd.DatetimeIndex,
    skus: pd.Series,
) -> pd.DataFrame:
    """Return the distributor sales lines, omitting zero lines.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    units : numpy.ndarray
        Total packs per clinic and month, shape ``(n_clinics, n_months)``.
    segment : numpy.ndarray
        Segment index per clinic (sets the discount).
    clinic_ids : pandas.Series
        Clinic ids in clinic order.
    month_starts : pandas.DatetimeIndex
        First day of each month of the window.
    skus : pandas.Series
        SKU codes in :data:`~.products.STRENGTHS_MG` order.

    Returns
    -------
    pandas.DataFrame
        ``clinic_id, date, sku, units, net_revenue, currency``, one line per
        clinic, month and SKU with at least one pack (distributors do not
        report zero lines), ordered by clinic, date and SKU. Summing ``units``
        over SKUs gives the clinic's monthly total; months without a line
        mean zero packs.
    """
    n_clinics, n_months = units.shape
    mix = rng.dirichlet(MIX_CONCENTRATION * STRENGTH_MIX, n_clinics)
    per_sku = split_by_sku(rng, units, mix)
    discount = SEGMENT_DISCOUNT[segment] + DISCOUNT_SPREAD * rng.random(n_clinics)

    flat = per_sku.ravel()
    nonzero = np.flatnonzero(flat)
    n_skus = per_sku.shape[2]
    clinic_idx = nonzero // (n_months * n_skus)
    month_idx = (nonzero // n_skus) % n_months
    sku_idx = nonzero % n_skus
    line_units = flat[nonzero]
    net_price = np.asarray(LIST_PRICES_EUR)[sku_idx] * (1.0 - discount[clinic_idx])
    return pd.DataFrame(
        {
            "clinic_id": clinic_ids.take(clinic_idx).reset_index(drop=True),
            "date": month_starts.take(month_idx),
            "sku": skus.take(sku_idx).reset_index(drop=True),
            "units": line_units,
            "net_revenue": np.round(line_units * net_price, 2),
            "currency": pd.Series([CURRENCY])
            .take(np.zeros(nonzero.size, np.int64))
            .reset_index(drop=True),
        }
    )
