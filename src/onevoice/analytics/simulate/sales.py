"""Distributor sales lines: monthly packs per clinic split over SKUs, with net revenue."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class SalesLines:
    """Non-zero sales lines as index arrays.

    ``clinic``, ``month`` and ``sku`` index the clinics, the months and the
    SKUs of whoever drew them; :func:`draw_sales_lines` orders its lines by
    clinic, month and SKU.
    """

    clinic: np.ndarray
    month: np.ndarray
    sku: np.ndarray
    units: np.ndarray
    net_revenue: np.ndarray


@dataclass(frozen=True)
class ClinicSalesTerms:
    """What each clinic buys and pays: its SKU mix and its discount off list price."""

    mix: np.ndarray
    """SKU shares per clinic, shape ``(n_clinics, n_skus)``, rows summing to 1."""
    discount: np.ndarray


def draw_sales_lines(
    rng: np.random.Generator,
    *,
    units: np.ndarray,
    segment: np.ndarray,
    market_mix: np.ndarray = STRENGTH_MIX,
    list_prices: tuple[float, ...] = LIST_PRICES_EUR,
    clinic_terms: ClinicSalesTerms | None = None,
) -> tuple[SalesLines, ClinicSalesTerms]:
    """Split monthly packs into SKUs and price them; zero lines omitted.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    units : numpy.ndarray
        Total packs per clinic and month, shape ``(n_clinics, n_months)``.
    segment : numpy.ndarray
        Segment index per clinic (sets the discount).
    market_mix, list_prices
        The product's market share and list price (EUR) of each SKU.
    clinic_terms : ClinicSalesTerms, optional
        The terms of an earlier draw, to sell more months of the same product
        with the same clinic mixes and discounts; drawn when omitted.

    Returns
    -------
    tuple
        ``(lines, terms)``: one line per clinic, month and SKU with at least
        one pack, and the clinic terms used.
    """
    n_clinics, n_months = units.shape
    if clinic_terms is None:
        mix = rng.dirichlet(MIX_CONCENTRATION * market_mix, n_clinics)
        per_sku = split_by_sku(rng, units, mix)
        discount = SEGMENT_DISCOUNT[segment] + DISCOUNT_SPREAD * rng.random(n_clinics)
    else:
        mix, discount = clinic_terms.mix, clinic_terms.discount
        per_sku = split_by_sku(rng, units, mix)

    flat = per_sku.ravel()
    nonzero = np.flatnonzero(flat)
    n_skus = per_sku.shape[2]
    clinic_idx = nonzero // (n_months * n_skus)
    line_units = flat[nonzero]
    sku_idx = nonzero % n_skus
    net_price = np.asarray(list_prices)[sku_idx] * (1.0 - discount[clinic_idx])
    lines = SalesLines(
        clinic=clinic_idx,
        month=(nonzero // n_skus) % n_months,
        sku=sku_idx,
        units=line_units,
        net_revenue=np.round(line_units * net_price, 2),
    )
    return lines, ClinicSalesTerms(mix=mix, discount=discount)


def sales_frame(
    lines: SalesLines,
    *,
    clinic_ids: pd.Series,
    month_starts: pd.DatetimeIndex,
    skus: pd.Series,
) -> pd.DataFrame:
    """Return ``clinic_id, date, sku, units, net_revenue, currency`` for ``lines``."""
    return pd.DataFrame(
        {
            "clinic_id": clinic_ids.take(lines.clinic).reset_index(drop=True),
            "date": month_starts.take(lines.month),
            "sku": skus.take(lines.sku).reset_index(drop=True),
            "units": lines.units,
            "net_revenue": lines.net_revenue,
            "currency": pd.Series([CURRENCY])
            .take(np.zeros(lines.units.size, np.int64))
            .reset_index(drop=True),
        }
    )


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
    lines, _ = draw_sales_lines(rng, units=units, segment=segment)
    return sales_frame(lines, clinic_ids=clinic_ids, month_starts=month_starts, skus=skus)
