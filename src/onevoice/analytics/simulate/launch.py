"""Assemble one simulated launch: :func:`simulate_launch` and :class:`SimulatedLaunch`."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from onevoice.analytics.simulate import demand, rollout, truth
from onevoice.analytics.simulate.clinics import TIERS, Clinics, build_clinics
from onevoice.analytics.simulate.organisation import Organisation, build_organisation
from onevoice.analytics.simulate.params import SEGMENTS, SimulationParams
from onevoice.analytics.simulate.products import build_products
from onevoice.analytics.simulate.readiness import build_readiness
from onevoice.analytics.simulate.sales import (
    ClinicSalesTerms,
    SalesLines,
    draw_sales_lines,
    sales_frame,
)

DATE_DTYPE = "datetime64[ns]"


@dataclass(frozen=True, eq=False)
class SimulatedLaunch:
    """The data of one simulated launch, with its ground truth beside it.

    All ids are strings; month columns hold month starts as ``datetime64[ns]``.

    Attributes
    ----------
    regions : pandas.DataFrame
        ``region_id, name``.
    territories : pandas.DataFrame
        ``territory_id, name, region_id``.
    managers : pandas.DataFrame
        ``manager_id, first_name, last_name, region_id``; one sales manager per region.
    reps : pandas.DataFrame
        ``rep_id, first_name, last_name, territory_id, manager_id``; one rep per territory.
    field_vets : pandas.DataFrame
        ``field_vet_id, first_name, last_name, region_id``.
    clinics : pandas.DataFrame
        ``clinic_id, name, address, city, region_id, territory_id, segment,
        n_vets, patient_volume, potential, tier, baseline_units``. Segments
        are listed in :data:`SEGMENTS`. ``potential`` is packs/month at full
        adoption (a function of patient volume and segment, as a company would
        estimate it); ``tier`` is the CRM targeting tier by potential (``A``
        >= 30, ``B`` 15-30, ``C`` 8-15, ``D`` < 8); ``baseline_units`` is the
        mean monthly packs over the pre-campaign months.
    vets : pandas.DataFrame
        ``vet_id, clinic_id, first_name, last_name, role, consent_to_contact``;
        role is ``owner``, ``clinical_director``, ``cardiology_lead`` or ``associate``.
    products : pandas.DataFrame
        ``sku, name, strength_mg, tablets_per_pack, list_price,
        treatment_months_per_pack``.
    sales : pandas.DataFrame
        ``clinic_id, date, sku, units, net_revenue, currency``; zero lines omitted.
    customer_trainings : pandas.DataFrame
        ``training_id, clinic_id, date, rep_id, field_vet_id, format,
        is_follow_up``; ``date`` is a weekday, ``field_vet_id`` missing when no
        field vet came.
    training_attendance : pandas.DataFrame
        ``training_id, vet_id, pre_score, post_score`` (0-100).
    treatment : pandas.DataFrame
        ``clinic_id, first_trained`` (month start of the first training, NaT if never).
    rep_prework : pandas.DataFrame
        ``rep_id, module, concept, score, completed_on``.
    rep_certification : pandas.DataFrame
        ``rep_id, vhs_error, roleplay_score, certified, certified_on``.
    true_effect : pandas.DataFrame
        ``cohort, period, att, n_clinics``: true ATT(g, t) in packs per clinic-month.
    true_att_overall : float
        Cohort-size-weighted mean of the post-treatment ``true_effect`` cells
        (Callaway-Sant'Anna "simple" aggregation), packs per clinic-month.
    true_relative_uplift : float
        ``true_att_overall`` divided by the expected untreated packs of the
        same treated clinic-months.
    true_effect_by_segment : pandas.DataFrame
        ``segment, att, relative_uplift, n_clinics`` (trained clinics).
    naive_ratio : float
        Mean monthly packs of trained clinics from their training on, divided
        by that of never-trained clinics over the campaign months.
    clinic_months : pandas.DataFrame
        The balanced panel with its truth: ``clinic_id, date, units`` (total
        packs, zeros included), ``expected_untreated`` and ``expected_effect``
        (packs), ``treated`` (from the first training month on).
    params : SimulationParams
        The parameters that produced this launch.
    """

    regions: pd.DataFrame
    territories: pd.DataFrame
    managers: pd.DataFrame
    reps: pd.DataFrame
    field_vets: pd.DataFrame
    clinics: pd.DataFrame
    vets: pd.DataFrame
    products: pd.DataFrame
    sales: pd.DataFrame
    customer_trainings: pd.DataFrame
    training_attendance: pd.DataFrame
    treatment: pd.DataFrame
    rep_prework: pd.DataFrame
    rep_certification: pd.DataFrame
    true_effect: pd.DataFrame
    true_att_overall: float
    true_relative_uplift: float
    true_effect_by_segment: pd.DataFrame
    naive_ratio: float
    clinic_months: pd.DataFrame
    params: SimulationParams

    def frames(self) -> dict[str, pd.DataFrame]:
        """Return every DataFrame field by name (e.g. to write them all to files)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), pd.DataFrame)
        }


def _month_starts(params: SimulationParams) -> pd.DatetimeIndex:
    start = pd.Timestamp(params.campaign_start) - pd.DateOffset(months=params.months_pre)
    return pd.date_range(start, periods=params.n_months, freq="MS").as_unit("ns")


@dataclass(frozen=True, eq=False)
class LaunchInternals:
    """The arrays behind a :class:`SimulatedLaunch` that the company simulator builds on.

    Not part of the public surface: the company reuses the launch's clinics,
    organisation, untreated demand model and sales terms through it.
    """

    org: Organisation
    clinics: Clinics
    month_starts: pd.DatetimeIndex
    first_month: np.ndarray
    """Campaign month (0-based) of each clinic's first training, -1 if never."""
    growth: np.ndarray
    """Untreated growth per clinic (packs/month per month)."""
    sales_lines: SalesLines
    """The launch's sales lines (months index ``month_starts``)."""
    sales_terms: ClinicSalesTerms
    """Each clinic's SKU mix and discount in the launch's sales."""


def simulate_launch(params: SimulationParams | None = None) -> SimulatedLaunch:
    """Simulate the launch of a heart-failure drug for dogs, with its ground truth.

    Parameters
    ----------
    params : SimulationParams, optional
        Size, timing, effect and selection knobs; defaults to ``SimulationParams()``
        (2,000 clinics, 40 reps, 12 + 18 months from 2024-06).

    Returns
    -------
    SimulatedLaunch
        The organisation, customers, sales, trainings, rep readiness and the
        true effects. The same params (including the seed) always give
        identical frames.

    Examples
    --------
    >>> launch = simulate_launch(SimulationParams(seed=7, n_clinics=200))
    >>> launch.sales["date"].nunique()
    30
    """
    return build_launch(params if params is not None else SimulationParams())[0]


def build_launch(params: SimulationParams) -> tuple[SimulatedLaunch, LaunchInternals]:
    """Simulate the launch as :func:`simulate_launch` does; also return its internals."""
    # Independent streams per component: changing how names are drawn never
    # changes the sales numbers, and vice versa.
    (
        rng_org,
        rng_clinics,
        rng_noise,
        rng_rollout,
        rng_trainings,
        rng_readiness,
        rng_sales,
    ) = np.random.default_rng(params.seed).spawn(7)

    org = build_organisation(params, rng_org)
    clinics = build_clinics(params, rng_clinics, org.territory_region)
    month_starts = _month_starts(params)
    month_of_year = month_starts.month.to_numpy()
    n_months, months_pre = params.n_months, params.months_pre

    growth = demand.clinic_growth(
        params, clinics.n_vets, clinics.tier, clinics.segment, clinics.region
    )
    untreated = demand.untreated_mean(
        params, clinics.untreated_level, clinics.n_vets, growth, month_of_year
    )
    z = rollout.selection_index(params, clinics.tier, clinics.segment, clinics.region)
    first_month = rollout.draw_first_training_month(
        rng_rollout, rollout.cohort_probabilities(params, z)
    )
    first_window_month = np.where(first_month >= 0, months_pre + first_month, -1)
    effect = demand.effect_mean(
        params, clinics.potential, clinics.segment, first_window_month, n_months
    )
    units = demand.draw_units(rng_noise, untreated + effect, params.noise_shape)
    baseline_units = np.round(units[:, :months_pre].mean(axis=1), 2)

    clinic_frame = pd.concat(
        [
            pd.DataFrame({"clinic_id": clinics.clinic_ids}),
            clinics.frame_columns,
            pd.DataFrame(
                {
                    "region_id": org.regions["region_id"].take(clinics.region).to_numpy(),
                    "territory_id": org.territories["territory_id"]
                    .take(clinics.territory)
                    .to_numpy(),
                    "segment": np.asarray(SEGMENTS, dtype=object)[clinics.segment],
                    "n_vets": clinics.n_vets,
                    "patient_volume": clinics.patient_volume,
                    "potential": clinics.potential,
                    "tier": np.asarray(TIERS, dtype=object)[clinics.tier],
                    "baseline_units": baseline_units,
                }
            ),
        ],
        axis=1,
    )

    campaign_months = month_starts[months_pre:].to_numpy().astype("datetime64[D]")
    trainings = rollout.build_trainings(
        rng_trainings,
        first_month=first_month,
        months_post=params.months_post,
        campaign_months=campaign_months,
        clinic_ids=clinics.clinic_ids,
        territory=clinics.territory,
        region=clinics.region,
        n_vets=clinics.n_vets,
        vet_first_index=clinics.vet_first_index,
        vet_ids=clinics.vets["vet_id"],
        vet_roles=clinics.vets["role"].to_numpy(dtype=object),
        rep_ids=org.reps["rep_id"],
        field_vet_ids=org.field_vets["field_vet_id"],
        field_vet_region=org.field_vet_region,
    )
    first_trained = pd.Series(
        month_starts.take(np.maximum(first_window_month, 0)), dtype=DATE_DTYPE
    )
    first_trained[first_window_month < 0] = pd.NaT
    treatment = pd.DataFrame({"clinic_id": clinics.clinic_ids, "first_trained": first_trained})

    rep_prework, rep_certification = build_readiness(
        rng_readiness, org.reps["rep_id"], params.campaign_start
    )
    products = build_products()
    sales_lines, sales_terms = draw_sales_lines(rng_sales, units=units, segment=clinics.segment)
    sales = sales_frame(
        sales_lines,
        clinic_ids=clinics.clinic_ids,
        month_starts=month_starts,
        skus=products["sku"],
    )

    post = truth.post_treatment_mask(first_month, months_pre, n_months)
    true_effect = truth.true_effect_frame(effect, first_month, months_pre, month_starts)
    true_att, true_relative_uplift = truth.overall_effect(effect, untreated, post)
    clinic_months = pd.DataFrame(
        {
            "clinic_id": clinics.clinic_ids.repeat(n_months).reset_index(drop=True),
            "date": np.tile(month_starts.to_numpy(), params.n_clinics),
            "units": units.ravel(),
            "expected_untreated": untreated.ravel(),
            "expected_effect": effect.ravel(),
            "treated": post.ravel(),
        }
    )
    launch = SimulatedLaunch(
        regions=org.regions,
        territories=org.territories,
        managers=org.managers,
        reps=org.reps,
        field_vets=org.field_vets,
        clinics=clinic_frame,
        vets=clinics.vets,
        products=products,
        sales=sales,
        customer_trainings=trainings.customer_trainings,
        training_attendance=trainings.training_attendance,
        treatment=treatment,
        rep_prework=rep_prework,
        rep_certification=rep_certification,
        true_effect=true_effect,
        true_att_overall=true_att,
        true_relative_uplift=true_relative_uplift,
        true_effect_by_segment=truth.true_by_segment(effect, untreated, post, clinics.segment),
        naive_ratio=truth.naive_ratio(units, post, first_month, months_pre),
        clinic_months=clinic_months,
        params=params,
    )
    internals = LaunchInternals(
        org=org,
        clinics=clinics,
        month_starts=month_starts,
        first_month=first_month,
        growth=growth,
        sales_lines=sales_lines,
        sales_terms=sales_terms,
    )
    return launch, internals


def selection_covariates(clinics: pd.DataFrame) -> pd.DataFrame:
    """Return the covariates under which the simulated rollout is ignorable.

    Training timing depends on clinics only through tier, segment and region
    (the propensity of every cohort against never-trained clinics is exactly
    logistic-linear in their dummies), and untreated sales trends are exactly
    linear in ``n_vets`` and the tier, segment and region dummies. A doubly robust
    Callaway-Sant'Anna estimator with never-treated controls and these
    covariates is therefore correctly specified on both sides.

    Parameters
    ----------
    clinics : pandas.DataFrame
        ``SimulatedLaunch.clinics``.

    Returns
    -------
    pandas.DataFrame
        ``clinic_id`` then float columns: ``n_vets``; ``tier_A``, ``tier_B``,
        ``tier_C`` (tier D is the base); ``segment_<name>`` for every segment
        but ``independent_small``; ``region_<region_id>`` for every region but
        the first. No intercept.
    """
    out = pd.DataFrame(
        {
            "clinic_id": clinics["clinic_id"].to_numpy(),
            "n_vets": clinics["n_vets"].to_numpy(dtype=float),
        }
    )
    tier = clinics["tier"].to_numpy()
    for name in ("A", "B", "C"):
        out[f"tier_{name}"] = (tier == name).astype(float)
    segment = clinics["segment"].to_numpy()
    for name in SEGMENTS[1:]:
        out[f"segment_{name}"] = (segment == name).astype(float)
    region = clinics["region_id"].to_numpy()
    for region_id in sorted(set(region))[1:]:
        out[f"region_{region_id}"] = (region == region_id).astype(float)
    return out
