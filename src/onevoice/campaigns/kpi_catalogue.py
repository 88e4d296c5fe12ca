"""The catalogue of KPIs a campaign's plan chooses from.

Each KPI has a stable code; the measurement layer computes values by code (adding a KPI
is one entry here and one function there). ``unit`` says how values and targets read.
"""

from __future__ import annotations

from dataclasses import dataclass

from onevoice.campaigns.choices import KpiKind


@dataclass(frozen=True)
class KpiSpec:
    code: str
    name: str
    kind: KpiKind
    unit: str
    description: str


CATALOGUE: tuple[KpiSpec, ...] = (
    KpiSpec(
        "reps_certified",
        "Reps certified",
        KpiKind.LEADING,
        "% of reps",
        "Share of enrolled reps certified after the seminar.",
    ),
    KpiSpec(
        "prework_completed",
        "Pre-work completed before the seminar",
        KpiKind.LEADING,
        "% of reps",
        "Share of enrolled reps who finished pre-work before their seminar.",
    ),
    KpiSpec(
        "clinics_reached",
        "Clinics reached",
        KpiKind.LEADING,
        "clinics",
        "Target clinics with at least one logged activity.",
    ),
    KpiSpec(
        "vets_trained",
        "Vets trained",
        KpiKind.LEADING,
        "vets",
        "Veterinarians who attended a customer training.",
    ),
    KpiSpec(
        "customer_trainings_held",
        "Customer trainings held",
        KpiKind.LEADING,
        "trainings",
        "Customer trainings delivered by reps and field vets.",
    ),
    KpiSpec(
        "units_sold",
        "Units sold",
        KpiKind.LAGGING,
        "packs",
        "Packs sold to clinics in the campaign period.",
    ),
    KpiSpec(
        "newly_prescribing_clinics",
        "Newly prescribing clinics",
        KpiKind.LAGGING,
        "clinics",
        "Clinics buying the product for the first time during the campaign.",
    ),
    KpiSpec(
        "causal_uplift",
        "Causal sales uplift from customer training",
        KpiKind.LAGGING,
        "% uplift",
        "Relative uplift of trained clinics' sales (staggered DiD).",
    ),
)
BY_CODE = {spec.code: spec for spec in CATALOGUE}
CHOICES = [(spec.code, spec.name) for spec in CATALOGUE]
