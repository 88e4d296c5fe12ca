"""The company's campaigns: who each one trains, when, what it changes, and its truth.

Three campaigns, each on its own product with its own customer trainings
(delivered by the same reps and field vets) and its own true effect:

=============================  ==========  ==========  ======  ====================
slug                           product     start       months  true effect
=============================  ==========  ==========  ======  ====================
parivo-year-round-protection   Parivo      2023-06-01  12      large (~27% relative)
arthrelle-oa-pain-check        Arthrelle   2024-01-01  12      none (exactly zero)
cardio-b2-launch               Cardivance  2025-06-01  18      the launch's (~15%)
=============================  ==========  ==========  ======  ====================

The cardiac campaign *is* the launch of :func:`~.launch.simulate_launch` (its
slug is the one the demo's "Cardio B2 launch" campaign gets); this module
designs the other two the same way:

- Selection on observables. A campaign's first-training month follows the
  launch's multinomial logit (:func:`.rollout.rollout_probabilities`: never
  trained as base, trainings from the second campaign month, a decaying
  rollout, about half never trained) in its own index
  ``z = s * (select_segment[segment] + select_region[region] + select_per_vet * n_vets)``.
  Every propensity is bounded away from 0 and 1. The index favours the
  clinics whose untreated sales of the product grow fastest (see
  :mod:`.portfolio_products`), so a naive comparison flatters the campaign.
- Effect. From the training month on, ``effect_by_segment[segment] *
  volume_level * (1 - exp(-(k + 1) / effect_ramp_months))`` extra packs of the
  campaign's product only, ``k`` months after the first training. The effect
  outlives the campaign in the sales; the truth covers the campaign window.
- Truth. Computed from the potential outcomes (expected effect, expected
  untreated packs) over the analysis window the app uses: 12 months before
  the campaign start to its end.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from onevoice.analytics.simulate import rollout, truth
from onevoice.analytics.simulate.params import MAX_REGIONS

PRE_MONTHS = 12
"""Months before a campaign's start in its analysis window (as the app's panel)."""


@dataclass(frozen=True)
class CampaignDesign:
    """What a campaign is (slug, product, window) and how its rollout selects clinics."""

    slug: str
    name: str
    product: str
    start: datetime.date
    months: int
    status: str
    why: str
    select_segment: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0)
    select_region: tuple[float, ...] = (0.0,) * MAX_REGIONS
    select_per_vet: float = 0.0
    effect_ramp_months: float = 3.0
    stream: int = 0
    """Key of the campaign's random stream, ``default_rng([seed, stream])``."""

    @property
    def end(self) -> datetime.date:
        """Last day of the campaign's last month."""
        last = pd.Timestamp(self.start) + pd.DateOffset(months=self.months) - pd.Timedelta(days=1)
        return last.date()


PARIVO_CAMPAIGN = CampaignDesign(
    slug="parivo-year-round-protection",
    name="Parivo year-round protection",
    product="Parivo",
    start=datetime.date(2023, 6, 1),
    months=12,
    status="reviewed",
    why="Most dogs are protected against fleas and ticks only in summer; vets trained to "
    "recommend year-round protection and book the monthly reminders keep them protected.",
    # Reps start with busy first-opinion practices, and with the later regions,
    # where the tick season is lengthening; referral hospitals sell few preventives.
    select_segment=(0.0, 0.6, 0.4, -2.5),
    select_region=(0.0, 0.25, 0.5, 0.75, 0.5, 0.25, 0.0, 0.0),
    select_per_vet=0.15,
    effect_ramp_months=2.0,
    stream=11,
)

ARTHRELLE_CAMPAIGN = CampaignDesign(
    slug="arthrelle-oa-pain-check",
    name="Arthrelle OA pain check",
    product="Arthrelle",
    start=datetime.date(2024, 1, 1),
    months=12,
    status="reviewed",
    why="Osteoarthritis pain goes unrecognised in older dogs; a pain check at every senior "
    "consultation was meant to start more of them on an NSAID.",
    # Corporate groups roll protocols out centrally and sign up first.
    select_segment=(0.0, 0.5, 0.9, -0.5),
    select_region=(0.6, 0.0, 0.3, 0.1, 0.2, 0.4, 0.0, 0.5),
    select_per_vet=0.1,
    effect_ramp_months=3.0,
    stream=12,
)

CARDIO_CAMPAIGN = CampaignDesign(
    slug="cardio-b2-launch",
    name="Cardio B2 launch",
    product="Cardivance",
    start=datetime.date(2025, 6, 1),
    months=18,
    status="live",
    why="Vets trained to measure the vertebral heart score on chest radiographs find and "
    "treat preclinical (ACVIM B2) MMVD before heart failure.",
)

CAMPAIGNS: tuple[CampaignDesign, ...] = (PARIVO_CAMPAIGN, ARTHRELLE_CAMPAIGN, CARDIO_CAMPAIGN)
"""Every campaign of the company, by start date; the cardiac one is the launch."""


def campaign_design(slug: str) -> CampaignDesign:
    """Return the design of the campaign with ``slug``."""
    for design in CAMPAIGNS:
        if design.slug == slug:
            return design
    raise KeyError(slug)


def selection_index(
    design: CampaignDesign,
    *,
    segment: np.ndarray,
    region: np.ndarray,
    n_vets: np.ndarray,
    selection_strength: float,
) -> np.ndarray:
    """Return each clinic's selection index ``z`` for ``design`` (module docstring)."""
    z = (
        np.asarray(design.select_segment)[segment]
        + np.asarray(design.select_region)[region]
        + design.select_per_vet * n_vets
    )
    return selection_strength * z


def ramp(months_since: np.ndarray, ramp_months: float) -> np.ndarray:
    """Return the share of the full effect reached ``months_since`` months after training.

    The launch's ramp (:func:`.demand.ramp`): 0 before training, ``1 - exp(-(k +
    1) / ramp_months)`` from the training month ``k = 0`` on.
    """
    k = np.asarray(months_since, dtype=float)
    return np.where(k >= 0, -np.expm1(-(np.maximum(k, 0) + 1) / ramp_months), 0.0)


def effect_mean(
    full_effect: np.ndarray, first_trained_month: np.ndarray, n_months: int, ramp_months: float
) -> np.ndarray:
    """Return the expected extra packs, shape ``(n_clinics, n_months)``.

    Parameters
    ----------
    full_effect : numpy.ndarray
        Extra packs per month at full ramp-up, per clinic.
    first_trained_month : numpy.ndarray
        Month index (in the same months as the result) of each clinic's first
        training; -1 if never trained.
    n_months : int
        Number of months.
    ramp_months : float
        Ramp time constant.

    Returns
    -------
    numpy.ndarray
        Zero for never-trained clinics and before training.
    """
    months_since = np.arange(n_months)[None, :] - first_trained_month[:, None]
    shares = ramp(months_since, ramp_months)
    shares[first_trained_month < 0, :] = 0.0
    return full_effect[:, None] * shares


@dataclass(frozen=True, eq=False)
class CampaignTruth:
    """One campaign's ground truth over its analysis window."""

    true_effect: pd.DataFrame
    """``cohort, period, att, n_clinics``: true ATT(g, t), packs per clinic-month."""
    clinic_months: pd.DataFrame
    """``clinic_id, date, units, expected_untreated, expected_effect, treated``."""
    true_att: float
    true_relative_uplift: float
    naive_ratio: float


def campaign_truth(
    *,
    units: np.ndarray,
    untreated: np.ndarray,
    effect: np.ndarray,
    first_month: np.ndarray,
    window_months: pd.DatetimeIndex,
    clinic_ids: pd.Series,
) -> CampaignTruth:
    """Compute a campaign's truth from its window's matrices (clinics x months).

    Parameters
    ----------
    units, untreated, effect : numpy.ndarray
        Realised packs of the campaign's SKUs, expected untreated packs and
        expected effect over the window, shape ``(n_clinics, n_window_months)``.
    first_month : numpy.ndarray
        Campaign month (0-based) of each clinic's first training, -1 if never.
    window_months : pandas.DatetimeIndex
        Month starts of the window: :data:`PRE_MONTHS` before the campaign, then
        its months.
    clinic_ids : pandas.Series
        Clinic ids in clinic order.

    Returns
    -------
    CampaignTruth
        ``true_att`` is the mean expected effect over treated clinic-months
        (Callaway-Sant'Anna "simple" aggregation), ``true_relative_uplift``
        that over the mean expected untreated packs of the same clinic-months,
        ``naive_ratio`` trained-from-training vs never-trained mean packs.
    """
    n_months = window_months.size
    post = truth.post_treatment_mask(first_month, PRE_MONTHS, n_months)
    att, relative = truth.overall_effect(effect, untreated, post)
    clinic_months = pd.DataFrame(
        {
            "clinic_id": clinic_ids.repeat(n_months).reset_index(drop=True),
            "date": np.tile(window_months.to_numpy(), clinic_ids.size),
            "units": units.ravel(),
            "expected_untreated": untreated.ravel(),
            "expected_effect": effect.ravel(),
            "treated": post.ravel(),
        }
    )
    return CampaignTruth(
        true_effect=truth.true_effect_frame(effect, first_month, PRE_MONTHS, window_months),
        clinic_months=clinic_months,
        true_att=att,
        true_relative_uplift=relative,
        naive_ratio=truth.naive_ratio(units, post, first_month, PRE_MONTHS),
    )


def first_trained_frame(
    first_month: np.ndarray, campaign_months: pd.DatetimeIndex, clinic_ids: pd.Series, slug: str
) -> pd.DataFrame:
    """Return ``campaign, clinic_id, first_trained`` (month start, NaT if never)."""
    first = pd.Series(
        campaign_months.take(np.maximum(first_month, 0)), dtype="datetime64[ns]"
    ).where(first_month >= 0)
    return pd.DataFrame(
        {
            "campaign": pd.Series([slug] * clinic_ids.size, dtype=clinic_ids.dtype),
            "clinic_id": clinic_ids.reset_index(drop=True),
            "first_trained": first,
        }
    )


def draw_first_months(
    design: CampaignDesign,
    rng: np.random.Generator,
    *,
    segment: np.ndarray,
    region: np.ndarray,
    n_vets: np.ndarray,
    selection_strength: float,
    share_never_trained: float,
) -> np.ndarray:
    """Draw each clinic's first-training campaign month (0-based), -1 for never."""
    z = selection_index(
        design,
        segment=segment,
        region=region,
        n_vets=n_vets,
        selection_strength=selection_strength,
    )
    probabilities = rollout.rollout_probabilities(
        z, months_post=design.months, share_never_trained=share_never_trained
    )
    return rollout.draw_first_training_month(rng, probabilities)
