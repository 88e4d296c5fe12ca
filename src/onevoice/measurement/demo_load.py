"""Load the simulated company into an installation (``onevoice demo``).

The simulator (``onevoice.analytics.simulate.simulate_company``) produces the data: the
heart-failure launch (live) and two earlier campaigns on other product lines (reviewed,
with their leads' lessons), one distributor sales stream for the whole portfolio. This
module turns it into the organisation, products, campaigns, clinics, vets and customer
trainings (each under its campaign) of the operational database, in one transaction, so
an interrupted load leaves nothing half-written and a second load finds everything
present and adds nothing. ``demo_truth`` is the simulation's ground truth per campaign.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Region, User
from onevoice.accounts.org import PersonRow, TerritoryRow, org_load
from onevoice.analytics.simulate import SimulatedCompany, SimulatedLaunch
from onevoice.campaigns.demo_campaign import (
    DemoPeople,
    demo_campaign_load,
    demo_reviewed_campaign_load,
)
from onevoice.campaigns.models import Campaign, Product
from onevoice.field.services import (
    ActivityRow,
    ClinicRow,
    LadderRow,
    TrainingRow,
    VetRow,
    activities_bulk_load,
    clinics_bulk_load,
    ladder_bulk_load,
    trainings_bulk_load,
    vets_bulk_load,
)
from onevoice.measurement.freshness import data_changed
from onevoice.measurement.review import review_lesson_save
from onevoice.measurement.sales import sales_import
from onevoice.training.demo_program import demo_program_load

DEMO_PASSWORD = "onevoice-demo"

# Head-office people have no counterpart in the simulation; fixed, so logins are stable.
HEAD_OFFICE = (
    PersonRow("marketing", Role.MARKETING, "Marta", "Lindqvist"),
    PersonRow("reviewer", Role.REVIEWER, "Ravi", "Menon"),
    PersonRow("analyst", Role.ANALYST, "Ana", "Duarte"),
    PersonRow("admin", Role.ADMIN, "Alex", "Brandt"),
)

Step = Callable[[str], None]

# What each lead of the demo's earlier campaigns learnt (the simulation planted a large
# effect for Parivo and none for Arthrelle; the lessons read as leads would write them).
LESSONS = {
    "Parivo": {
        "marketing": "Year-round protection landed best where clinics already sent "
        "reminders; start the trainings before spring next time, not in June.",
        "sales": "Trainings co-delivered with a field vet convinced the corporate groups; "
        "book the field vets early, they were the bottleneck in the first months.",
    },
    "Arthrelle": {
        "marketing": "The pain check did not change what vets prescribe: they already knew "
        "it. The next brief must name the change in practice we want, and test it first.",
        "sales": "The real objection was the owners' cost, not the diagnosis; we had no "
        "answer ready. Raise objections with the field before the brief is signed.",
    },
}


@dataclass(frozen=True)
class DemoLogins:
    """One username per role, for the demo's welcome message and browser tests."""

    by_role: dict[Role, str]
    password: str = DEMO_PASSWORD


def demo_is_loaded() -> bool:
    return Region.objects.exists()


def _username(first: str, last: str, taken: set[str]) -> str:
    base = f"{first}.{last}".lower()
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9.]+", "", base) or "user"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name


def _people(launch: SimulatedLaunch) -> tuple[list[PersonRow], dict[str, str]]:
    """All people of the launch, and the username given to each simulated id."""
    taken = {p.username for p in HEAD_OFFICE}
    people = list(HEAD_OFFICE)
    usernames: dict[str, str] = {}
    for row in launch.managers.itertuples(index=False):
        name = _username(row.first_name, row.last_name, taken)
        usernames[row.manager_id] = name
        people.append(
            PersonRow(name, Role.SALES_MANAGER, row.first_name, row.last_name, row.region_id)
        )
    for row in launch.reps.itertuples(index=False):
        name = _username(row.first_name, row.last_name, taken)
        usernames[row.rep_id] = name
        people.append(PersonRow(name, Role.SALES_REP, row.first_name, row.last_name))
    for row in launch.field_vets.itertuples(index=False):
        name = _username(row.first_name, row.last_name, taken)
        usernames[row.field_vet_id] = name
        people.append(PersonRow(name, Role.FIELD_VET, row.first_name, row.last_name, row.region_id))
    return people, usernames


def demo_logins(launch: SimulatedLaunch) -> DemoLogins:
    people, _ = _people(launch)
    first: dict[Role, str] = {}
    for p in people:
        first.setdefault(p.role, p.username)
    return DemoLogins(by_role={role: first[role] for role in Role if role in first})


def _date(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


@transaction.atomic
def demo_load(company: SimulatedCompany, *, step: Step = lambda _: None) -> dict[str, int]:
    """Load ``company`` into the database; rows already present are kept, not duplicated."""
    launch = company.launch
    people, usernames = _people(launch)
    rep_of_territory = {
        row.territory_id: usernames[row.rep_id] for row in launch.reps.itertuples(index=False)
    }
    step("organisation")
    counts = org_load(
        regions=[(r.region_id, r.name) for r in launch.regions.itertuples(index=False)],
        people=people,
        territories=[
            TerritoryRow(t.territory_id, t.name, t.region_id, rep_of_territory.get(t.territory_id))
            for t in launch.territories.itertuples(index=False)
        ],
        password=DEMO_PASSWORD,
    )
    step("products")
    for p in company.products.itertuples(index=False):
        Product.objects.get_or_create(
            sku=p.sku,
            defaults={
                "name": p.name,
                "family": p.product,
                "strength_mg": float(p.strength_mg),
                "tablets_per_pack": int(p.tablets_per_pack),
                "list_price": round(float(p.list_price), 2),
                "treatment_months_per_pack": float(p.treatment_months_per_pack),
            },
        )
    step("clinics")
    counts["clinics"] = clinics_bulk_load(rows=clinic_rows(launch))
    step("vets")
    counts["vets"] = vets_bulk_load(rows=vet_rows(launch))
    step("campaigns")
    slugs = _campaigns_load(company, usernames)
    counts["campaigns"] = len(slugs)
    step("customer trainings")
    attendance: dict[str, list[tuple[str, float | None, float | None]]] = {}
    for a in company.training_attendance.itertuples(index=False):
        attendance.setdefault(a.training_id, []).append(
            (a.vet_id, _score(a.pre_score), _score(a.post_score))
        )
    counts["customer_trainings"] = trainings_bulk_load(
        rows=(
            TrainingRow(
                code=t.training_id,
                clinic_code=t.clinic_id,
                date=_date(t.date),
                format=t.format,
                rep_username=usernames[t.rep_id],
                field_vet_username=usernames.get(t.field_vet_id)
                if isinstance(t.field_vet_id, str)
                else None,
                attendees=attendance.get(t.training_id, ()),
                campaign_slug=slugs.get(t.campaign, t.campaign),
            )
            for t in company.customer_trainings.itertuples(index=False)
        )
    )
    counts["training_programs"] = demo_program_load(launch=launch, usernames=usernames)
    step("field history")
    activities, ladder = _field_history(launch, usernames)
    counts["activities"] = activities_bulk_load(rows=activities)
    counts["ladder_moves"] = ladder_bulk_load(rows=ladder)
    # Bulk loads send no signals: every dashboard computed before is out of date.
    data_changed()
    return counts


def clinic_rows(launch: SimulatedLaunch) -> Iterator[ClinicRow]:
    """The simulated clinics as the field app's bulk load takes them."""
    for c in launch.clinics.itertuples(index=False):
        yield ClinicRow(
            code=c.clinic_id,
            name=c.name,
            address=c.address,
            city=c.city,
            region_code=c.region_id,
            territory_code=c.territory_id,
            segment=c.segment,
            n_vets=int(c.n_vets),
            patient_volume=int(c.patient_volume),
            potential=float(c.potential),
        )


def vet_rows(launch: SimulatedLaunch) -> Iterator[VetRow]:
    """The simulated vets as the field app's bulk load takes them."""
    for v in launch.vets.itertuples(index=False):
        yield VetRow(
            code=v.vet_id,
            clinic_code=v.clinic_id,
            first_name=v.first_name,
            last_name=v.last_name,
            role=v.role,
            consent_to_contact=bool(v.consent_to_contact),
        )


def _month_end(start: dt.date, months: int) -> dt.date:
    return (pd.Timestamp(start) + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()


def _campaigns_load(company: SimulatedCompany, usernames: dict[str, str]) -> dict[str, str]:
    """Every simulated campaign, the earlier ones reviewed, the launch live; returns the
    installation's slug of each simulated campaign (none are created twice)."""
    if Campaign.objects.exists():
        return {}
    launch = company.launch
    users = {u.username: u for u in User.objects.all()}
    people = DemoPeople(
        marketing_lead=users["marketing"],
        sales_lead=users[usernames[launch.managers.iloc[0].manager_id]],
        reviewer=users["reviewer"],
        field_vet=users[usernames[launch.field_vets.iloc[0].field_vet_id]],
        reps=[users[usernames[r]] for r in launch.reps.rep_id.iloc[:12]],
    )
    slugs: dict[str, str] = {}
    for row in company.campaigns.itertuples(index=False):
        if row.status == "live":
            start = launch.params.campaign_start
            sales = company.sales
            pre = sales[
                (sales["date"] < pd.Timestamp(start))
                & (sales["date"] >= pd.Timestamp(start) - pd.DateOffset(months=12))
                & sales["sku"].isin(list(row.skus))
            ]
            months = launch.params.months_post
            # The target compares like with like: the campaign's months at the pace of the
            # 12 months before it, not 12 months of baseline against 18 of campaign.
            baseline = float(pre["units"].sum()) / 12 * months
            campaign = demo_campaign_load(
                people=people,
                start=start,
                end=_month_end(start, months),
                units_baseline=round(baseline),
                skus=list(row.skus),
            )
        else:
            campaign = demo_reviewed_campaign_load(
                people=people,
                name=row.name,
                product=row.product,
                why=row.why,
                start=row.start,
                end=row.end,
                skus=list(row.skus),
            )
            lessons = LESSONS.get(row.product, LESSONS["Parivo"])
            for function, lead in (
                ("marketing", people.marketing_lead),
                ("sales", people.sales_lead),
            ):
                review_lesson_save(
                    campaign=campaign, function=function, user=lead, text=lessons[function]
                )
        slugs[row.slug] = campaign.slug
    return slugs


def demo_truth(company: SimulatedCompany) -> dict[str, Any]:
    """The simulation's ground truth per campaign, for ``<home>/demo-truth.json``.

    ``true_att`` is the estimand of the campaign's default uplift analysis: the simple
    ATT (packs per treated clinic-month of its SKUs, each trained clinic from its first
    training under the campaign to the campaign's end), from the potential outcomes.
    Slugs are the installation's (the simulated ones, as the demo creates them).
    """
    return {
        "campaigns": [
            {
                "slug": row.slug,
                "name": row.name,
                "skus": list(row.skus),
                "status": row.status,
                "true_att": float(row.true_att),
                "true_relative_uplift": float(row.true_relative_uplift),
                "naive_ratio": float(row.naive_ratio),
            }
            for row in company.campaigns.itertuples(index=False)
        ]
    }


def _score(value: object) -> float | None:
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]


def demo_sales_import(company: SimulatedCompany) -> int:
    """Import the simulated distributor sales through the real importer; rows stored.

    The file is written deterministically, so a second run has the same content hash
    and the importer recognises it as already imported.
    """
    with tempfile.TemporaryDirectory(prefix="onevoice-demo-sales-") as tmp:
        path = Path(tmp) / "distributor-sales-demo.parquet"
        frame = company.sales.copy()
        frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
        frame.to_parquet(path, index=False)
        report = sales_import(path=path, user=None)
    return report.rows_stored


def _field_history(
    launch: SimulatedLaunch, usernames: dict[str, str]
) -> tuple[list[ActivityRow], list[LadderRow]]:
    """A year of field work consistent with the simulated trainings and sales.

    Every trained clinic was visited two to five weeks before its first training and
    called after it; high-potential clinics not trained were visited once. The ladder
    follows: visited clinics became aware, trained ones trial, and those whose monthly
    purchases rose after training adopters. Seeded, so the demo is the same every time.
    """
    rng = np.random.default_rng(launch.params.seed + 17)
    start = pd.Timestamp(launch.params.campaign_start, tz="UTC")
    now = pd.Timestamp.now(tz="UTC").normalize()
    rep_of = {t.territory_id: usernames[t.rep_id] for t in launch.reps.itertuples(index=False)}
    territory_of = launch.clinics.set_index("clinic_id")["territory_id"].to_dict()
    vets_of = launch.vets.groupby("clinic_id")["vet_id"].apply(list).to_dict()
    first = launch.customer_trainings.sort_values(["date", "training_id"]).drop_duplicates(
        "clinic_id"
    )
    attendees = launch.training_attendance.groupby("training_id")["vet_id"].apply(list).to_dict()
    sales = launch.sales.assign(date=pd.to_datetime(launch.sales["date"]))
    monthly = sales.groupby(["clinic_id", "date"])["units"].sum()
    pre_mean = (
        monthly[monthly.index.get_level_values("date") < pd.Timestamp(launch.params.campaign_start)]
        .groupby(level="clinic_id")
        .mean()
    )
    activities: list[ActivityRow] = []
    ladder: list[LadderRow] = []

    def at(ts: pd.Timestamp) -> dt.datetime:
        moment: dt.datetime = min(ts, now - pd.Timedelta(hours=1)).to_pydatetime()
        return moment

    trained: set[str] = set()
    for t in first.itertuples(index=False):
        rep = rep_of.get(territory_of.get(t.clinic_id))
        if rep is None:
            continue
        trained.add(t.clinic_id)
        day = pd.Timestamp(t.date).tz_localize("UTC") + pd.Timedelta(hours=10)
        visit = day - pd.Timedelta(days=int(rng.integers(14, 36)))
        met = vets_of.get(t.clinic_id, [])[:2]
        activities.append(
            ActivityRow(
                f"DEMO-V-{t.clinic_id}",
                t.clinic_id,
                "visit",
                at(visit),
                rep,
                vet_codes=met,
                summary="Introduced stage B2 and the VHS training.",
            )
        )
        call = day + pd.Timedelta(days=int(rng.integers(30, 61)))
        if call < now:
            activities.append(
                ActivityRow(
                    f"DEMO-C-{t.clinic_id}",
                    t.clinic_id,
                    "call",
                    at(call),
                    rep,
                    summary="Follow-up after the customer training.",
                )
            )
        ladder.append(LadderRow(t.clinic_id, None, "aware", at(visit), rep, "First visit"))
        ladder.append(LadderRow(t.clinic_id, None, "trial", at(day), rep, "Vets trained"))
        for vet in met:
            ladder.append(LadderRow(t.clinic_id, vet, "aware", at(visit), rep, "Met at visit"))
        for vet in attendees.get(t.training_id, []):
            ladder.append(LadderRow(t.clinic_id, vet, "trial", at(day), rep, "Attended training"))
        mine = monthly.loc[t.clinic_id] if t.clinic_id in monthly.index else pd.Series(dtype=float)
        after = mine[mine.index > pd.Timestamp(t.date)].mean()
        later = day + pd.Timedelta(days=90)
        if later < now and after > 1.1 * float(pre_mean.get(t.clinic_id, 0.0)):
            ladder.append(
                LadderRow(
                    t.clinic_id, None, "adopter", at(later), rep, "Purchases up since training"
                )
            )
    potential_cut = launch.clinics["potential"].median()
    days = max(1, (now - start).days)
    for c in launch.clinics.itertuples(index=False):
        rep = rep_of.get(c.territory_id)
        if c.clinic_id in trained or rep is None or c.potential < potential_cut:
            continue
        visit = start + pd.Timedelta(days=int(rng.integers(0, days)), hours=11)
        activities.append(
            ActivityRow(
                f"DEMO-V-{c.clinic_id}",
                c.clinic_id,
                "visit",
                at(visit),
                rep,
                vet_codes=vets_of.get(c.clinic_id, [])[:1],
                summary="Presented the EPIC evidence; offered a training.",
            )
        )
        ladder.append(LadderRow(c.clinic_id, None, "aware", at(visit), rep, "First visit"))
    return activities, ladder
