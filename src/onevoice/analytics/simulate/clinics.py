"""Clinics (size, segment, potential) and the vets who work in them.

Domain numbers (``domain/heart.md`` section 5) and the assumptions built on them:

- Practice size: companion-animal practices average 2.39 FTE vets (AAHA members
  2.7); in Europe 25% of practices are one-person and 20% two-person. The
  segment mix and vet counts below give a mean of about 2.5 vets per clinic,
  with 1- and 2-vet practices the most common.
- Caseload: 1,499 active clients per FTE vet (AVMA 2025). Assuming about two
  thirds of clients own a dog seen once a year gives ~1,000 dogs seen per vet
  per year (derived, not published).
- Candidates for pimobendan: 3.54% of dogs have a murmur consistent with MMVD,
  of which 25-40% may be stage B2 (an assumption in heart.md, we take 30%),
  plus 0.36% diagnosed MMVD (mostly stage C): ~1.4% of dogs seen. Referral
  hospitals concentrate cardiac cases; we assume 4%.
- Units: a 10 kg dog on 2.5 mg BID takes 60 tablets a month, i.e. 0.6 of a
  100-tablet pack; we assume treated dogs are refilled 70% of months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from onevoice.analytics.simulate.names import (
    CLINIC_PREFIXES,
    CLINIC_SUFFIXES,
    REGION_CITIES,
    STREETS,
    draw_people,
    make_ids,
)
from onevoice.analytics.simulate.params import SEGMENTS, SimulationParams

SEGMENT_SHARES = np.array([0.60, 0.20, 0.17, 0.03])
DOGS_PER_VET_YEAR = 1000.0
# Referral vets see fewer dogs each (long consultations); corporate sites run busier lists.
VOLUME_FACTOR = np.array([1.0, 1.0, 1.1, 0.5])
VOLUME_SIGMA = 0.4
CANDIDATE_SHARE = np.array([0.014, 0.014, 0.014, 0.04])
PACKS_PER_DOG_MONTH = 0.6
REFILL_RATE = 0.7
# Share of potential already bought before the campaign: stage C dogs are
# mostly treated, preclinical B2 dogs mostly not; corporate protocols and
# referral cardiologists treat B2 more often.
BASELINE_ADOPTION = np.array([0.30, 0.33, 0.38, 0.50])
# Clinic-specific adoption multiplier: mean 1, a floor of ADOPTION_FLOOR (every
# clinic already treats some stage C dogs) plus a gamma-distributed part.
ADOPTION_SHAPE = 3.0
ADOPTION_FLOOR = 0.15
CONSENT_RATE = 0.85
# Targeting tiers by potential (packs/month), as a CRM classifies customers:
# D below 8, C 8-15, B 15-30, A 30 and above. Fixed cut-offs, so a clinic's
# tier never depends on which other clinics were simulated.
TIERS = ("D", "C", "B", "A")
TIER_EDGES = np.array([8.0, 15.0, 30.0])


def tier_index(potential: np.ndarray) -> np.ndarray:
    """Return the index into :data:`TIERS` of each clinic's targeting tier.

    Parameters
    ----------
    potential : numpy.ndarray
        Packs per month at full adoption.

    Returns
    -------
    numpy.ndarray
        0 for tier D (smallest) up to 3 for tier A.
    """
    return np.searchsorted(TIER_EDGES, potential, side="right")


@dataclass(frozen=True)
class Clinics:
    """Clinic characteristics as arrays (one entry per clinic) plus the vets frame."""

    clinic_ids: pd.Series
    segment: np.ndarray
    """Segment index into :data:`SEGMENTS`."""
    region: np.ndarray
    territory: np.ndarray
    n_vets: np.ndarray
    patient_volume: np.ndarray
    potential: np.ndarray
    """Expected packs per month at full adoption, rounded to 0.01 as published."""
    tier: np.ndarray
    """Index into :data:`TIERS` (0 = D ... 3 = A)."""
    untreated_level: np.ndarray
    """Clinic-specific level of untreated demand (packs/month); not observed."""
    frame_columns: pd.DataFrame
    """Descriptive columns: name, address, city."""
    vets: pd.DataFrame
    vet_clinic: np.ndarray
    """Clinic index of each vet (vets are stored contiguously by clinic)."""
    vet_first_index: np.ndarray
    """Index of each clinic's first vet in ``vets``."""


def _vet_counts(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    small = 1 + rng.binomial(2, 0.3, segment.size)
    large = 3 + rng.poisson(0.8, segment.size)
    corporate = 2 + rng.poisson(1.0, segment.size)
    referral = 5 + rng.poisson(5.0, segment.size)
    return np.choose(segment, [small, large, corporate, referral]).astype(np.int64)


def build_clinics(
    params: SimulationParams, rng: np.random.Generator, territory_region: np.ndarray
) -> Clinics:
    """Draw clinics and their vets.

    Parameters
    ----------
    params : SimulationParams
        ``n_clinics`` sets the number of clinics.
    rng : numpy.random.Generator
        Source of randomness.
    territory_region : numpy.ndarray
        Region index of each territory; clinics are spread uniformly over territories.

    Returns
    -------
    Clinics
        Arrays of clinic characteristics and the ``vets`` frame.
    """
    n = params.n_clinics
    segment = rng.choice(len(SEGMENTS), size=n, p=SEGMENT_SHARES)
    territory = rng.integers(0, territory_region.size, n)
    region = territory_region[territory]
    n_vets = _vet_counts(rng, segment)
    volume_noise = rng.lognormal(-0.5 * VOLUME_SIGMA**2, VOLUME_SIGMA, n)
    patient_volume = np.rint(
        n_vets * DOGS_PER_VET_YEAR * VOLUME_FACTOR[segment] * volume_noise
    ).astype(np.int64)
    potential = np.round(
        patient_volume * CANDIDATE_SHARE[segment] * PACKS_PER_DOG_MONTH * REFILL_RATE, 2
    )
    adoption = ADOPTION_FLOOR + (1.0 - ADOPTION_FLOOR) * rng.gamma(
        ADOPTION_SHAPE, 1.0 / ADOPTION_SHAPE, n
    )
    untreated_level = potential * BASELINE_ADOPTION[segment] * adoption

    prefixes = np.asarray(CLINIC_PREFIXES, dtype=object)[rng.integers(0, len(CLINIC_PREFIXES), n)]
    suffix_pick = rng.integers(0, len(CLINIC_SUFFIXES[0]), n)
    suffixes = np.asarray(CLINIC_SUFFIXES, dtype=object)[segment, suffix_pick]
    city_pick = rng.integers(0, len(REGION_CITIES[0]), n)
    cities = np.asarray(REGION_CITIES, dtype=object)[region, city_pick]
    street_no = rng.integers(1, 160, n)
    streets = np.asarray(STREETS, dtype=object)[rng.integers(0, len(STREETS), n)]
    descriptive = pd.DataFrame(
        {
            "name": pd.Series(prefixes).astype(str) + " " + pd.Series(suffixes).astype(str),
            "address": pd.Series(street_no).astype(str) + " " + pd.Series(streets).astype(str),
            "city": pd.Series(cities).astype(str),
        }
    )

    clinic_ids = make_ids("CL", n, 6)
    vets, vet_clinic, vet_first_index = _build_vets(rng, clinic_ids, segment, n_vets)
    return Clinics(
        clinic_ids=clinic_ids,
        segment=segment,
        region=region,
        territory=territory,
        n_vets=n_vets,
        patient_volume=patient_volume,
        potential=potential,
        tier=tier_index(potential),
        untreated_level=untreated_level,
        frame_columns=descriptive,
        vets=vets,
        vet_clinic=vet_clinic,
        vet_first_index=vet_first_index,
    )


def _build_vets(
    rng: np.random.Generator, clinic_ids: pd.Series, segment: np.ndarray, n_vets: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    vet_clinic = np.repeat(np.arange(n_vets.size), n_vets)
    vet_first_index = np.cumsum(n_vets) - n_vets
    position = np.arange(vet_clinic.size) - vet_first_index[vet_clinic]
    vet_segment = segment[vet_clinic]
    independent = vet_segment <= 1
    referral = vet_segment == 3
    # Independents are led by their owner; corporate and referral sites by a
    # clinical director; referral hospitals also have a cardiology lead.
    role = np.full(vet_clinic.size, "associate", dtype=object)
    role[(position == 0) & independent] = "owner"
    role[(position == 0) & ~independent] = "clinical_director"
    role[(position == 1) & referral] = "cardiology_lead"
    first, last = draw_people(rng, vet_clinic.size)
    vets = pd.DataFrame(
        {
            "vet_id": make_ids("V", vet_clinic.size, 7),
            "clinic_id": clinic_ids.take(vet_clinic).reset_index(drop=True),
            "first_name": first,
            "last_name": last,
            "role": role,
            "consent_to_contact": rng.random(vet_clinic.size) < CONSENT_RATE,
        }
    )
    return vets, vet_clinic, vet_first_index
