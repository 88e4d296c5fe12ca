"""The company's product portfolio: product lines, their SKUs and untreated demand.

Four product lines share one distributor sales stream (brands are fictional):

- ``Cardivance`` (``CDV-``): the pimobendan of the cardiac launch
  (:mod:`.products`, demand from :mod:`.demand`), unchanged.
- ``Parivo`` (``PRF-``): a monthly isoxazoline chewable against fleas and
  ticks, in four weight bands, 3 chewables a pack. Strongly seasonal (peak in
  July) and growing as year-round protection spreads.
- ``Arthrelle`` (``NSD-``): a carprofen-type NSAID for osteoarthritis pain, 60
  tablets a pack. Mildly seasonal (joint pain peaks in the cold months), flat.
- ``Dermiva`` (``DRM-``): a JAK-inhibitor tablet for allergic itch, 100 tablets a
  pack. Seasonal with the pollen (peak in August), growing. No campaign ever
  trains on it: it is the portfolio's negative-control product.

Untreated demand of product ``p`` at clinic ``i`` in company month ``t``
(``t = 0`` is the first month of the sales stream)::

    mu0[i, t] = level[i] + n_vets[i] * season_per_vet * cos(2 pi (month - peak) / 12)
                + growth[i] * t
    level[i]  = n_vets[i] * base_per_vet
                + patient_volume[i] / 1000 * packs_per_1000_dogs * segment_factor[segment[i]]
                  * adoption[i]
    growth[i] = growth_per_vet * n_vets[i] + segment_growth[segment[i]]
                + region_growth_max * region[i] / (n_regions - 1)

As for the cardiac product, the clinic level (unobserved ``adoption``) is
additive and cancels in differences, and everything that makes clinics'
sales *change* differently (seasons and growth) is linear in the observed
``n_vets`` and segment and region dummies: conditional parallel trends hold
for any selection on those covariates. ``base_per_vet`` exceeds
``season_per_vet`` and growth is never negative, so ``mu0`` stays positive
without any floor that would break that linearity.

Volumes are assumptions chosen to give plausible packs per clinic-month
(Parivo ~45, Arthrelle ~12, Dermiva ~9 at an average 2.5-vet clinic), not
market data. Prices in EUR are invented.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from onevoice.analytics.simulate import products as cardiac
from onevoice.analytics.simulate.clinics import ADOPTION_FLOOR, ADOPTION_SHAPE


@dataclass(frozen=True)
class Sku:
    """One pack of a product line."""

    sku: str
    name: str
    strength_mg: float
    tablets_per_pack: int
    list_price: float
    treatment_months_per_pack: float
    market_share: float
    """Share of the product's packs sold as this SKU (clinics scatter around it)."""


@dataclass(frozen=True)
class ProductLine:
    """A product of the portfolio: its SKUs and its untreated demand model."""

    product: str
    """Brand name, e.g. ``"Parivo"``; the ``product`` column of the frames."""
    sku_prefix: str
    generic_name: str
    therapeutic_area: str
    description: str
    skus: tuple[Sku, ...]
    packs_per_1000_dogs: float = 0.0
    """Packs a month per 1,000 dogs seen a year, at average adoption."""
    segment_factor: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)
    base_per_vet: float = 0.0
    season_per_vet: float = 0.0
    season_peak_month: int = 1
    growth_per_vet: float = 0.0
    segment_growth: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
    region_growth_max: float = 0.0

    @property
    def sku_codes(self) -> list[str]:
        return [s.sku for s in self.skus]

    @property
    def market_mix(self) -> np.ndarray:
        return np.array([s.market_share for s in self.skus])

    @property
    def list_prices(self) -> tuple[float, ...]:
        return tuple(s.list_price for s in self.skus)


def _cardivance() -> ProductLine:
    frame = cardiac.build_products()
    skus = tuple(
        Sku(
            sku=row.sku,
            name=row.name,
            strength_mg=float(row.strength_mg),
            tablets_per_pack=int(row.tablets_per_pack),
            list_price=float(row.list_price),
            treatment_months_per_pack=float(row.treatment_months_per_pack),
            market_share=float(share),
        )
        for row, share in zip(frame.itertuples(index=False), cardiac.STRENGTH_MIX, strict=True)
    )
    # Demand of this line comes from the launch (demand.py), not from the fields below.
    return ProductLine(
        product="Cardivance",
        sku_prefix="CDV",
        generic_name="pimobendan chewable tablets",
        therapeutic_area="cardiology",
        description="Heart failure in dogs (MMVD); launched for preclinical stage B2.",
        skus=skus,
    )


def _skus(
    prefix: str,
    brand: str,
    form: str,
    strengths_mg: tuple[float, ...],
    pack: int,
    months_per_pack: float,
    prices: tuple[float, ...],
    shares: tuple[float, ...],
) -> tuple[Sku, ...]:
    # Codes carry the strength in tenths of a mg and the pack size: PRF-0113-3 is 11.3 mg x 3.
    return tuple(
        Sku(
            sku=f"{prefix}-{round(mg * 10):04d}-{pack}",
            name=f"{brand} {mg:g} mg {form} x {pack}",
            strength_mg=mg,
            tablets_per_pack=pack,
            list_price=price,
            treatment_months_per_pack=months_per_pack,
            market_share=share,
        )
        for mg, price, share in zip(strengths_mg, prices, shares, strict=True)
    )


PARIVO = ProductLine(
    product="Parivo",
    sku_prefix="PRF",
    generic_name="afoxolaner chewable tablets",
    therapeutic_area="parasiticides",
    description="Monthly flea and tick protection for dogs, by weight band.",
    # Afoxolaner-type bands: 2-4, 4-10, 10-25, 25-50 kg; one chewable a month.
    skus=_skus(
        "PRF",
        "Parivo",
        "chewable tablets",
        (11.3, 28.3, 68.0, 136.0),
        3,
        3.0,
        (31.0, 33.0, 36.0, 40.0),
        (0.14, 0.34, 0.36, 0.16),
    ),
    packs_per_1000_dogs=12.0,
    # Referral hospitals sell few preventives.
    segment_factor=(1.0, 1.0, 1.1, 0.3),
    base_per_vet=5.0,
    season_per_vet=4.0,
    season_peak_month=7,
    # Year-round protection spreads: larger independents and groups lead it,
    # and the tick season lengthens fastest in the later regions.
    growth_per_vet=0.03,
    segment_growth=(0.0, 0.10, 0.15, 0.0),
    region_growth_max=0.10,
)

ARTHRELLE = ProductLine(
    product="Arthrelle",
    sku_prefix="NSD",
    generic_name="carprofen chewable tablets",
    therapeutic_area="pain and inflammation",
    description="Osteoarthritis pain in dogs; 4 mg/kg once a day.",
    skus=_skus(
        "NSD",
        "Arthrelle",
        "chewable tablets",
        (20.0, 50.0, 100.0),
        60,
        2.0,
        (18.0, 27.0, 41.0),
        (0.22, 0.40, 0.38),
    ),
    packs_per_1000_dogs=4.0,
    segment_factor=(1.0, 1.0, 1.1, 0.6),
    base_per_vet=1.0,
    season_per_vet=0.8,
    season_peak_month=1,
    growth_per_vet=0.005,
    segment_growth=(0.0, 0.02, 0.04, 0.01),
    region_growth_max=0.02,
)

DERMIVA = ProductLine(
    product="Dermiva",
    sku_prefix="DRM",
    generic_name="oclacitinib film-coated tablets",
    therapeutic_area="dermatology",
    description="Allergic and atopic itch in dogs; once a day for maintenance.",
    skus=_skus(
        "DRM",
        "Dermiva",
        "film-coated tablets",
        (3.6, 5.4, 16.0),
        100,
        round(100 / 30, 3),
        (55.0, 66.0, 96.0),
        (0.30, 0.35, 0.35),
    ),
    packs_per_1000_dogs=3.0,
    # Referral hospitals with a dermatology service see more atopic dogs.
    segment_factor=(1.0, 1.0, 1.0, 1.5),
    base_per_vet=0.75,
    season_per_vet=0.6,
    season_peak_month=8,
    growth_per_vet=0.01,
    segment_growth=(0.0, 0.02, 0.03, 0.02),
    region_growth_max=0.02,
)

CARDIVANCE = _cardivance()

PRODUCT_LINES: tuple[ProductLine, ...] = (CARDIVANCE, PARIVO, ARTHRELLE, DERMIVA)
"""Every product of the portfolio; the order of the ``portfolio`` frame."""


def product_line(product: str) -> ProductLine:
    """Return the product line named ``product`` (its brand)."""
    for line in PRODUCT_LINES:
        if line.product == product:
            return line
    raise KeyError(product)


def build_portfolio_products() -> pd.DataFrame:
    """Return every SKU of the portfolio, ordered by SKU code.

    Returns
    -------
    pandas.DataFrame
        ``sku, name, product, strength_mg, tablets_per_pack, list_price,
        treatment_months_per_pack``: the launch's product columns plus the
        brand (``product``) each SKU belongs to. The Cardivance rows are the
        launch's products unchanged.
    """
    rows = [
        {
            "sku": s.sku,
            "name": s.name,
            "product": line.product,
            "strength_mg": s.strength_mg,
            "tablets_per_pack": s.tablets_per_pack,
            "list_price": s.list_price,
            "treatment_months_per_pack": s.treatment_months_per_pack,
        }
        for line in PRODUCT_LINES
        for s in line.skus
    ]
    frame = pd.DataFrame(rows).sort_values("sku", ignore_index=True)
    frame["tablets_per_pack"] = frame["tablets_per_pack"].astype(np.int64)
    return frame


def build_portfolio() -> pd.DataFrame:
    """Return one row per product line.

    Returns
    -------
    pandas.DataFrame
        ``product, sku_prefix, generic_name, therapeutic_area, description, n_skus``.
    """
    return pd.DataFrame(
        {
            "product": [p.product for p in PRODUCT_LINES],
            "sku_prefix": [p.sku_prefix for p in PRODUCT_LINES],
            "generic_name": [p.generic_name for p in PRODUCT_LINES],
            "therapeutic_area": [p.therapeutic_area for p in PRODUCT_LINES],
            "description": [p.description for p in PRODUCT_LINES],
            "n_skus": np.array([len(p.skus) for p in PRODUCT_LINES], dtype=np.int64),
        }
    )


@dataclass(frozen=True)
class ProductDemand:
    """Per-clinic terms of one product's untreated demand (see the module docstring)."""

    level: np.ndarray
    """Untreated level (packs/month); clinic-specific, not observed."""
    volume_level: np.ndarray
    """The part of ``level`` driven by the clinic's dogs; campaign effects scale with it."""
    growth: np.ndarray
    """Untreated growth, packs/month per month; linear in observed covariates."""


def draw_demand(
    line: ProductLine,
    rng: np.random.Generator,
    *,
    n_vets: np.ndarray,
    patient_volume: np.ndarray,
    segment: np.ndarray,
    region: np.ndarray,
    n_regions: int,
) -> ProductDemand:
    """Draw each clinic's level of ``line`` and compute its growth.

    Parameters
    ----------
    line : ProductLine
        A product with a demand model (not Cardivance).
    rng : numpy.random.Generator
        Source of the clinic adoption draws.
    n_vets, patient_volume, segment, region : numpy.ndarray
        Per-clinic vet count, dogs seen a year, segment and region indices.
    n_regions : int
        Number of regions (region growth spreads linearly across them).

    Returns
    -------
    ProductDemand
    """
    adoption = ADOPTION_FLOOR + (1.0 - ADOPTION_FLOOR) * rng.gamma(
        ADOPTION_SHAPE, 1.0 / ADOPTION_SHAPE, n_vets.size
    )
    volume_level = (
        patient_volume
        / 1000.0
        * line.packs_per_1000_dogs
        * np.asarray(line.segment_factor)[segment]
        * adoption
    )
    region_share = region / max(n_regions - 1, 1)
    growth = (
        line.growth_per_vet * n_vets
        + np.asarray(line.segment_growth)[segment]
        + line.region_growth_max * region_share
    )
    return ProductDemand(
        level=n_vets * line.base_per_vet + volume_level,
        volume_level=volume_level,
        growth=growth,
    )


def season(line: ProductLine, month_of_year: np.ndarray) -> np.ndarray:
    """Return the seasonal term per vet (packs/month) for each calendar month (1-12)."""
    return line.season_per_vet * np.cos(2 * math.pi * (month_of_year - line.season_peak_month) / 12)


def untreated_mean(
    line: ProductLine, demand: ProductDemand, n_vets: np.ndarray, month_starts: pd.DatetimeIndex
) -> np.ndarray:
    """Return expected untreated packs, shape ``(n_clinics, n_months)``; always > 0.

    ``t = 0`` is the first of ``month_starts``.
    """
    months = np.arange(month_starts.size)
    return (
        demand.level[:, None]
        + n_vets[:, None] * season(line, month_starts.month.to_numpy())[None, :]
        + demand.growth[:, None] * months[None, :]
    )
