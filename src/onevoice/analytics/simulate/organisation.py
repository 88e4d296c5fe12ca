"""The sales organisation: regions, territories, managers, reps and field vets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from onevoice.analytics.simulate.names import REGION_NAMES, draw_people, make_ids
from onevoice.analytics.simulate.params import SimulationParams

# One technical field vet per ~6 reps, at least one per region: at the default
# 10 reps per region that gives 2 field vets per region.
REPS_PER_FIELD_VET = 6


@dataclass(frozen=True)
class Organisation:
    """The organisation frames plus index arrays the other generators use."""

    regions: pd.DataFrame
    territories: pd.DataFrame
    managers: pd.DataFrame
    reps: pd.DataFrame
    field_vets: pd.DataFrame
    territory_region: np.ndarray
    """Region index (0-based) of each territory."""
    field_vet_region: np.ndarray
    """Region index (0-based) of each field vet."""


def build_organisation(params: SimulationParams, rng: np.random.Generator) -> Organisation:
    """Build the sales organisation for ``params``.

    Territories are split into contiguous, near-equal blocks per region; each
    territory has one rep, each region one sales manager who leads its reps.

    Parameters
    ----------
    params : SimulationParams
        Size of the organisation (``n_regions``, ``n_reps``).
    rng : numpy.random.Generator
        Source of randomness for names.

    Returns
    -------
    Organisation
        The frames ``regions``, ``territories``, ``managers``, ``reps``,
        ``field_vets`` and region indices of territories and field vets.
    """
    n_regions, n_reps = params.n_regions, params.rep_count
    region_ids = make_ids("RG", n_regions, 2)
    regions = pd.DataFrame({"region_id": region_ids, "name": list(REGION_NAMES[:n_regions])})

    territory_region = np.arange(n_reps) * n_regions // n_reps
    # Territory names count within their region: "North 1", "North 2", ...
    first_of_region = np.searchsorted(territory_region, territory_region)
    number_in_region = np.arange(n_reps) - first_of_region + 1
    region_names = np.asarray(REGION_NAMES, dtype=object)[territory_region]
    territory_ids = make_ids("T", n_reps, 2)
    territories = pd.DataFrame(
        {
            "territory_id": territory_ids,
            "name": pd.Series(region_names).astype(str)
            + " "
            + pd.Series(number_in_region).astype(str),
            "region_id": region_ids.to_numpy()[territory_region],
        }
    )

    manager_first, manager_last = draw_people(rng, n_regions)
    manager_ids = make_ids("M", n_regions, 2)
    managers = pd.DataFrame(
        {
            "manager_id": manager_ids,
            "first_name": manager_first,
            "last_name": manager_last,
            "region_id": region_ids,
        }
    )

    rep_first, rep_last = draw_people(rng, n_reps)
    reps = pd.DataFrame(
        {
            "rep_id": make_ids("R", n_reps, 3),
            "first_name": rep_first,
            "last_name": rep_last,
            "territory_id": territory_ids,
            "manager_id": manager_ids.to_numpy()[territory_region],
        }
    )

    reps_per_region = np.bincount(territory_region, minlength=n_regions)
    fv_per_region = np.maximum(1, np.rint(reps_per_region / REPS_PER_FIELD_VET).astype(int))
    field_vet_region = np.repeat(np.arange(n_regions), fv_per_region)
    fv_first, fv_last = draw_people(rng, len(field_vet_region))
    field_vets = pd.DataFrame(
        {
            "field_vet_id": make_ids("FV", len(field_vet_region), 2),
            "first_name": fv_first,
            "last_name": fv_last,
            "region_id": region_ids.to_numpy()[field_vet_region],
        }
    )
    return Organisation(
        regions=regions,
        territories=territories,
        managers=managers,
        reps=reps,
        field_vets=field_vets,
        territory_region=territory_region,
        field_vet_region=field_vet_region,
    )
