"""The clinic × period panel the uplift engine estimates on.

Built with Ibis from the sales dataset, so the heavy part (aggregating every sales
line) runs on DuckDB or Spark, whichever holds the data; the result is one row per
clinic and period, small enough for numpy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
import pandas as pd

from onevoice.analytics.warehouse import ProductMaster, sales_by_clinic
from onevoice.analytics.warehouse.queries import Frequency, period_start

if TYPE_CHECKING:
    import ibis.expr.types as ir

Outcome = Literal["units", "net_revenue", "treatment_months", "any_purchase"]
BAD_OUTCOME = "outcome must be one of {allowed}, not {value!r}"
MISSING_CLINIC_COLUMNS = "clinics table lacks column(s) {missing}; it has {found}"
COVARIATES = ("n_vets", "patient_volume", "segment", "region", "pre_level")


@dataclass(frozen=True)
class SalesPanel:
    """A long panel plus what was done to build it.

    ``frame`` has ``clinic_id, period (first day), t (1, 2, …), cohort (t of the first
    training, 0 if never), outcome`` and the covariates ``n_vets, patient_volume,
    segment, region, pre_level`` (mean outcome before ``pre_end``).
    """

    frame: pd.DataFrame
    outcome: str
    freq: str
    periods: list[dt.date]
    notes: list[str] = field(default_factory=list)

    @property
    def n_units(self) -> int:
        return int(self.frame["clinic_id"].nunique())


def sales_panel(
    sales: ir.Table,
    *,
    products: ProductMaster,
    clinics: pd.DataFrame,
    treatment: Mapping[str, dt.date],
    start: dt.date,
    end: dt.date,
    pre_end: dt.date,
    freq: Frequency = "month",
    outcome: Outcome = "units",
    product: str | None = None,
    skus: Sequence[str] | None = None,
) -> SalesPanel:
    """Build the zero-filled clinic × period panel for one product and outcome.

    Parameters
    ----------
    sales
        The stored sales as an Ibis table (DuckDB or Spark).
    products
        The product master (SKUs of ``product``; treatment-months per pack).
    clinics
        One row per clinic: ``clinic_id, n_vets, patient_volume, segment, region``.
        Every clinic listed is in the panel, whether or not it bought anything.
    treatment
        Clinic id → date its first vet was trained; absent means never trained.
    start, end
        The dates the panel covers.
    pre_end
        Campaign start: covariate ``pre_level`` is the clinic's mean outcome before it.
    freq, outcome
        Period length and what is measured.
    product, skus
        Which sales count: every SKU of ``product``, or the given SKUs (a campaign's
        own); all SKUs when neither.
    """
    if outcome not in get_args(Outcome):
        raise ValueError(BAD_OUTCOME.format(allowed=", ".join(get_args(Outcome)), value=outcome))
    missing = {"clinic_id", "n_vets", "patient_volume", "segment", "region"} - set(clinics.columns)
    if missing:
        raise ValueError(
            MISSING_CLINIC_COLUMNS.format(missing=sorted(missing), found=list(clinics.columns))
        )
    ids = clinics["clinic_id"].astype(str).tolist()
    expr = sales_by_clinic(
        sales,
        products=products,
        freq=freq,
        start=start,
        end=end,
        product=product,
        skus=skus,
        clinic_ids=ids,
    )
    frame = expr.to_pandas()
    measure = "units" if outcome == "any_purchase" else outcome
    frame["outcome"] = frame[measure].astype(float)
    if outcome == "any_purchase":
        frame["outcome"] = (frame["outcome"] > 0).astype(float)
    frame["period"] = pd.to_datetime(frame["period"]).dt.date
    periods = sorted(frame["period"].unique())
    index = {p: i + 1 for i, p in enumerate(periods)}
    frame["t"] = frame["period"].map(index).astype(int)

    notes: list[str] = []
    cohort_of = {}
    before_start = 0
    for clinic, day in treatment.items():
        p = period_start(day, freq)
        if p not in index:
            if p < periods[0]:
                before_start += 1
            continue
        cohort_of[str(clinic)] = index[p]
    if before_start:
        notes.append(
            f"{before_start} clinic(s) were trained before the data start; "
            "they are left out (no untreated periods to compare)."
        )
    frame["cohort"] = frame["clinic_id"].map(cohort_of).fillna(0).astype(int)
    early = {str(c) for c, d in treatment.items() if period_start(d, freq) < periods[0]}
    if early:
        frame = frame[~frame["clinic_id"].isin(early)]

    pre = frame[frame["period"] < pre_end].groupby("clinic_id")["outcome"].mean()
    covariates = clinics.assign(clinic_id=clinics["clinic_id"].astype(str)).set_index("clinic_id")[
        ["n_vets", "patient_volume", "segment", "region"]
    ]
    frame = frame.join(covariates, on="clinic_id")
    frame["pre_level"] = frame["clinic_id"].map(pre).fillna(0.0).astype(float)
    if not (frame["period"] < pre_end).any():
        notes.append("No period before the campaign start: pre_level is zero for every clinic.")
    frame["n_vets"] = frame["n_vets"].astype(float)
    frame["patient_volume"] = np.log1p(frame["patient_volume"].astype(float))
    columns = ["clinic_id", "period", "t", "cohort", "outcome", *COVARIATES]
    return SalesPanel(
        frame=frame[columns].reset_index(drop=True),
        outcome=outcome,
        freq=freq,
        periods=periods,
        notes=notes,
    )
