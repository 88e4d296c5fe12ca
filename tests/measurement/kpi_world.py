"""A small campaign whose every KPI can be computed by hand (see ``test_kpis.py``).

Campaign 2025-06-01 → 2026-11-30 targeting independent small clinics. Territory N1
(the rep's, North team) holds clinics A and B (targets) and C (a referral hospital, not
a target); S1 (rep_south) holds D (a target). Trainings, activities, sales and the reps'
pre-work and certification are placed on known days.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.campaigns import services as campaign_services
from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.models import Campaign, Product
from onevoice.field import services as field_services
from onevoice.measurement.models import UpliftAnalysis
from onevoice.measurement.sales import sales_import
from onevoice.training import services as training_services
from onevoice.training.models import Certification
from tests.campaigns.conftest import live, make_campaign
from tests.field.factories import clinic, vet
from tests.training.factories import make_program, responses

SALES_CSV = (
    "clinic_id,date,sku,units,net_revenue,currency\n"
    "C,2024-03-01,SKU-1,2,60,EUR\n"
    "A,2025-01-15,SKU-1,10,300,EUR\n"
    "A,2025-07-15,SKU-1,5,150,EUR\n"
    "B,2025-08-10,SKU-1,3,90,EUR\n"
    "C,2025-09-01,SKU-1,1,30,EUR\n"
    "D,2026-01-10,SKU-1,4,120,EUR\n"
)


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def kpi_world(org: Any, tmp_path: Any, settings: Any) -> SimpleNamespace:
    settings.SALES_DATASET_DIR = tmp_path / "sales"
    settings.ONEVOICE_HOME = tmp_path
    t = make_program(org)
    campaign = live(org, t.campaign)
    campaign.target_segments = ["independent_small"]
    campaign.save(update_fields=["target_segments"])
    t.campaign = campaign
    # An earlier campaign on another product: its training of clinic A in May 2025 must
    # count for none of this campaign's KPIs (nor make A trained for this one).
    earlier = campaign_services.campaign_transition(
        campaign=live(org, make_campaign(org, name="Earlier launch")),
        user=org.users[Role.MARKETING],
        target=CampaignStatus.CLOSED,
    )
    Campaign.objects.filter(pk=earlier.pk).update(
        start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 5, 31)
    )
    earlier.refresh_from_db()
    rep, rep_south = org.users[Role.SALES_REP], org.other_rep
    field_vet = org.users[Role.FIELD_VET]
    a = clinic(org, code="A", name="Alder Vets")
    b = clinic(org, code="B", name="Birch Vets")
    c = clinic(org, code="C", name="Cedar Referrals", segment="referral_hospital")
    d = clinic(org, org.territory_other, code="D", name="Dogwood Vets")
    a1, a2, b1, c1, d1 = vet(a), vet(a), vet(b), vet(c), vet(d)

    def train(by: Any, at: Any, day: dt.date, attendees: list[Any], **kw: Any) -> Any:
        kw.setdefault("campaign", campaign)
        return field_services.training_log(
            by=by, rep=by, clinic=at, date=day, attendees=attendees, **kw
        )

    # Before the campaign, under the earlier one.
    train(rep, a, dt.date(2025, 5, 20), [a1], format="in_clinic", campaign=earlier)
    train(
        rep,
        a,
        dt.date(2025, 7, 10),
        [a1, a2],
        format="in_clinic",
        field_vet=field_vet,
        scores={a1.pk: (40.0, 80.0), a2.pk: (50.0, 70.0)},
    )
    train(rep_south, d, dt.date(2025, 9, 5), [d1], format="in_clinic")
    train(rep, c, dt.date(2025, 10, 1), [c1, b1], format="webinar")
    field_services.activity_log(
        by=rep, clinic=b, kind="visit", occurred_at=aware(dt.date(2025, 8, 1))
    )
    field_services.activity_log(
        by=rep, clinic=c, kind="call", occurred_at=aware(dt.date(2025, 8, 2))
    )
    product = Product.objects.create(
        sku="SKU-1",
        name="Pimobendan 2.5 mg x 100",
        strength_mg=2.5,
        tablets_per_pack=100,
        list_price=30,
        treatment_months_per_pack=1.64,
    )
    campaign.skus.add(product)
    path = tmp_path / "sales.csv"
    path.write_text(SALES_CSV)
    report = sales_import(path=path, user=None)
    assert report.rows_stored == 6, report
    # The North rep passes every pre-work module on time and is certified on 1 Nov 2025;
    # rep_south does nothing.
    for module in (t.m1, t.m2):
        attempt = training_services.quiz_start(module=module, rep=rep)
        training_services.quiz_submit(attempt=attempt, rep=rep, responses=responses(attempt))
    Certification.objects.create(
        enrolment=t.enrolment, certified_at=aware(dt.date(2025, 11, 1)), readiness={}
    )
    mkt, sales = org.users[Role.MARKETING], org.users[Role.SALES_MANAGER]
    plan = [
        ("clinics_reached", 0, 3, dt.date(2026, 11, 30), ["sales"]),
        ("vets_trained", 0, 10, dt.date(2026, 11, 30), ["marketing", "sales"]),
        ("customer_trainings_held", 0, 6, dt.date(2026, 11, 30), ["sales"]),
        ("units_sold", 10, 30, dt.date(2026, 11, 30), ["marketing", "sales"]),
        ("newly_prescribing_clinics", 0, 2, dt.date(2026, 11, 30), ["sales"]),
        ("reps_certified", 0, 100, dt.date(2026, 2, 28), ["marketing", "sales"]),
        ("prework_completed", 0, 100, dt.date(2025, 12, 31), ["marketing"]),
        ("causal_uplift", 0, 10, dt.date(2026, 11, 30), ["marketing", "sales"]),
    ]
    for code, baseline, target, due, owners in plan:
        campaign_services.kpi_set(
            campaign=campaign,
            user=mkt if "marketing" in owners else sales,
            code=code,
            baseline=float(baseline),
            target=float(target),
            due_date=due,
            owners=owners,
        )
    return SimpleNamespace(
        campaign=campaign, program=t.program, clinics={"A": a, "B": b, "C": c, "D": d}, t=t
    )


def stored_uplift(
    campaign: Any,
    estimate: float = 0.123,
    ci: tuple[float, float] = (0.05, 0.2),
    skus: tuple[str, ...] = ("SKU-1",),
    periods: tuple[str, str] = ("2024-06-01", "2025-12-01"),
    options: dict[str, Any] | None = None,
) -> UpliftAnalysis:
    """A finished analysis as the uplift engine stores it (the fields KPIs and reviews
    read; the numbers are made up, not estimated)."""
    return UpliftAnalysis.objects.create(
        campaign=campaign,
        options=options or {"outcome": "units", "control": "notyet"},
        status="done",
        inputs={"periods": list(periods), "sales_batches": ["b"]},
        result={
            "campaign": {"slug": campaign.slug, "name": campaign.name, "skus": list(skus)},
            "negative_control": False,
            "periods": list(periods),
            "naive": {"ratio": 3.1, "gap": 2.0, "selection": 1.6, "effect": 0.4},
            "simple": {"att": 0.4, "se": 0.1, "ci_low": 0.2, "ci_high": 0.6},
            "pretrend": {"stat": 5.0, "df": 6, "p_value": 0.54},
            "dynamic": [
                {"event": -1, "att": 0.01, "ci_low": -0.2, "ci_high": 0.2},
                {"event": 0, "att": 0.3, "ci_low": 0.1, "ci_high": 0.5},
            ],
            "balance": [],
            "warnings": [],
            "uplift": {
                "relative_uplift": {"estimate": estimate, "ci_low": ci[0], "ci_high": ci[1]},
                "incremental": {"estimate": 40.0, "ci_low": 10.0, "ci_high": 70.0},
            },
        },
    )
