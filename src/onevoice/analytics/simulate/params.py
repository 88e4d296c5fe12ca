"""The knobs of the simulated launch and their validation.

Every number that shapes the simulated data is either a field of
:class:`SimulationParams` (things a user may want to vary: size, timing,
effect, selection) or a named constant in the module that uses it (domain
assumptions, documented where they are used).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

SEGMENTS: tuple[str, ...] = (
    "independent_small",
    "independent_large",
    "corporate_group",
    "referral_hospital",
)
"""Clinic segments, in the order used by every per-segment tuple.

- ``independent_small``: owner-run first-opinion practice, 1-3 vets.
- ``independent_large``: owner-run first-opinion practice, 3+ vets.
- ``corporate_group``: first-opinion practice owned by a corporate group;
  purchasing and clinical protocols partly set centrally.
- ``referral_hospital``: referral centre with a cardiology service; sees few
  dogs per vet but a high share of cardiac cases, and already stages with
  echocardiography.
"""

MAX_REGIONS = 8

ERR_SEED = "seed must be a non-negative integer, got {value!r}"
ERR_N_CLINICS = "n_clinics must be an integer >= 10, got {value!r}"
ERR_N_REPS = "n_reps must be an integer >= n_regions ({n_regions}), got {value!r}"
ERR_N_REGIONS = f"n_regions must be an integer between 1 and {MAX_REGIONS}, got {{value!r}}"
ERR_MONTHS_PRE = "months_pre must be an integer >= 2, got {value!r}"
ERR_MONTHS_POST = (
    "months_post must be an integer >= 2 (customer trainings start in the second "
    "campaign month), got {value!r}"
)
ERR_CAMPAIGN_START = "campaign_start must be a datetime.date on the first of a month, got {value!r}"
ERR_SHARE_NEVER = "share_never_trained must be strictly between 0 and 1, got {value!r}"
ERR_EFFECT_LENGTH = "effect_by_segment must have one value per segment {segments}, got {value!r}"
ERR_EFFECT_VALUE = "effect_by_segment values must be finite and >= 0, got {value!r}"
ERR_RAMP = "effect_ramp_months must be finite and > 0, got {value!r}"
ERR_SELECTION = "selection_strength must be finite and >= 0, got {value!r}"
ERR_NOISE = "noise_shape must be > 0 (use math.inf for pure Poisson noise), got {value!r}"
ERR_GROWTH = "market_growth must be finite and >= 0, got {value!r}"
ERR_SEASONALITY = "seasonality must be finite and between 0 and 0.3, got {value!r}"


def _is_int(value: object) -> bool:
    # bool is an int subclass; SimulationParams(n_clinics=True) is a bug, not 1 clinic.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


@dataclass(frozen=True, kw_only=True)
class SimulationParams:
    """Parameters of one simulated launch; the same params always give the same data.

    Parameters
    ----------
    seed : int
        Seed of :func:`numpy.random.default_rng`; all randomness derives from it.
    n_clinics : int
        Number of customer clinics (>= 10).
    n_reps : int or None
        Number of sales reps, one per territory. ``None`` (the default) means
        ``max(40, n_clinics // 50)``: 40 reps at 2,000 clinics, and a realistic
        ~50 clinics per rep when scaled up. After construction it is always an int.
    n_regions : int
        Number of sales regions (1-8), each led by one sales manager.
    months_pre, months_post : int
        Months of sales before and from the campaign start (``months_post`` >= 2:
        customer trainings start in the second campaign month).
    campaign_start : datetime.date
        First day of the first campaign month. Customer trainings start in the
        second campaign month.
    share_never_trained : float
        Expected share of clinics that get no customer training in the window.
    effect_by_segment : tuple of float
        True effect of training at full ramp-up, as extra packs per month per
        unit of the clinic's ``potential`` (i.e. a share of potential), one per
        entry of :data:`SEGMENTS`.
    effect_ramp_months : float
        Time constant ``tau`` of the ramp ``1 - exp(-(k + 1) / tau)`` in the
        ``k``-th month after training (``k = 0`` is the training month).
    selection_strength : float
        Multiplies every selection coefficient. 0 gives a rollout that is
        random with respect to clinic characteristics (no selection bias).
    market_growth : float
        Common growth of untreated sales, in packs per month added each month
        per vet (the default adds ~0.5 packs/month per vet over the 30 months).
    seasonality : float
        Amplitude of the common seasonal swing, in packs per month per vet.
    noise_shape : float
        Gamma shape of the month-to-month demand noise (negative binomial
        units); ``math.inf`` gives pure Poisson.
    """

    seed: int = 20250601
    n_clinics: int = 2000
    n_reps: int | None = None
    n_regions: int = 4
    months_pre: int = 12
    months_post: int = 18
    campaign_start: datetime.date = datetime.date(2025, 6, 1)
    share_never_trained: float = 0.5
    # Independents lack echocardiography, so learning radiographic VHS/VLAS
    # staging changes what they do most; referral hospitals already stage B2
    # dogs by echo, so training them adds least.
    effect_by_segment: tuple[float, ...] = (0.13, 0.12, 0.09, 0.05)
    effect_ramp_months: float = 3.0
    selection_strength: float = 1.0
    market_growth: float = 0.015
    seasonality: float = 0.1
    noise_shape: float = 20.0

    def __post_init__(self) -> None:
        if not _is_int(self.seed) or self.seed < 0:
            raise ValueError(ERR_SEED.format(value=self.seed))
        if not _is_int(self.n_clinics) or self.n_clinics < 10:
            raise ValueError(ERR_N_CLINICS.format(value=self.n_clinics))
        if not _is_int(self.n_regions) or not 1 <= self.n_regions <= MAX_REGIONS:
            raise ValueError(ERR_N_REGIONS.format(value=self.n_regions))
        if self.n_reps is None:
            # Frozen dataclass: resolve the default once so params.n_reps is always an int.
            object.__setattr__(self, "n_reps", max(40, self.n_clinics // 50))
        n_reps = self.n_reps
        if not isinstance(n_reps, int) or isinstance(n_reps, bool) or n_reps < self.n_regions:
            raise ValueError(ERR_N_REPS.format(value=self.n_reps, n_regions=self.n_regions))
        if not _is_int(self.months_pre) or self.months_pre < 2:
            raise ValueError(ERR_MONTHS_PRE.format(value=self.months_pre))
        if not _is_int(self.months_post) or self.months_post < 2:
            raise ValueError(ERR_MONTHS_POST.format(value=self.months_post))
        if (
            not isinstance(self.campaign_start, datetime.date)
            or isinstance(self.campaign_start, datetime.datetime)
            or self.campaign_start.day != 1
        ):
            raise ValueError(ERR_CAMPAIGN_START.format(value=self.campaign_start))
        if not _is_finite_number(self.share_never_trained) or not (
            0.0 < self.share_never_trained < 1.0
        ):
            raise ValueError(ERR_SHARE_NEVER.format(value=self.share_never_trained))
        if not isinstance(self.effect_by_segment, tuple) or len(self.effect_by_segment) != len(
            SEGMENTS
        ):
            raise ValueError(
                ERR_EFFECT_LENGTH.format(segments=SEGMENTS, value=self.effect_by_segment)
            )
        if not all(_is_finite_number(v) and v >= 0 for v in self.effect_by_segment):
            raise ValueError(ERR_EFFECT_VALUE.format(value=self.effect_by_segment))
        if not _is_finite_number(self.effect_ramp_months) or self.effect_ramp_months <= 0:
            raise ValueError(ERR_RAMP.format(value=self.effect_ramp_months))
        if not _is_finite_number(self.selection_strength) or self.selection_strength < 0:
            raise ValueError(ERR_SELECTION.format(value=self.selection_strength))
        if not _is_finite_number(self.market_growth) or self.market_growth < 0:
            raise ValueError(ERR_GROWTH.format(value=self.market_growth))
        if not _is_finite_number(self.seasonality) or not 0 <= self.seasonality <= 0.3:
            raise ValueError(ERR_SEASONALITY.format(value=self.seasonality))
        if (
            not isinstance(self.noise_shape, int | float)
            or isinstance(self.noise_shape, bool)
            or math.isnan(self.noise_shape)
            or self.noise_shape <= 0
        ):
            raise ValueError(ERR_NOISE.format(value=self.noise_shape))

    @property
    def n_months(self) -> int:
        """Total number of sales months, ``months_pre + months_post``."""
        return self.months_pre + self.months_post

    @property
    def rep_count(self) -> int:
        """Number of reps as an ``int`` (``n_reps`` is resolved in ``__post_init__``)."""
        assert self.n_reps is not None
        return self.n_reps
