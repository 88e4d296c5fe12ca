"""Does the training effect depend on who delivered it? The uplift, within a campaign,
for clinics whose first customer training was delivered by a certified rep or not, and
co-delivered by a technical field vet or not.

Each subgroup is estimated like the campaign's analysis (same options, but by quarter
and with analytic intervals): its trained clinics against every clinic not (yet) trained, the other
subgroup's trained clinics left out. The difference between two subgroups is given with
a standard error that treats them as independent; they share their controls, which
makes that error somewhat too large (conservative), never too small.

"Certified" means certified in one of the campaign's training programs on or before the
day of the clinic's first training, read through the training app's readiness rows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from onevoice.accounts.services import audit_record
from onevoice.analytics.did import DIDError
from onevoice.field import selectors as field_selectors
from onevoice.measurement.facts import Facts, Scope
from onevoice.measurement.models import UpliftAnalysis
from onevoice.measurement.portfolio import Z95
from onevoice.measurement.uplift import UpliftOptions, campaign_panel, uplift_estimate

SPLITS: dict[str, tuple[str, str, str]] = {
    "certified_rep": (
        "Rep's certification",
        "Delivered by a certified rep",
        "Delivered by a rep not certified (yet)",
    ),
    "field_vet": (
        "Technical field vet",
        "Co-delivered with a technical field vet",
        "Delivered by the rep alone",
    ),
}


def first_trainings(facts: Facts) -> dict[str, dict[str, Any]]:
    """Per clinic code: the date, rep and field vet of the clinic's first training under
    the scope's campaign (hosted, or attended by one of its vets), the clinic's treatment
    date."""
    s = facts.scope
    qs = (
        field_selectors.training_list(user=s.viewer)
        .filter(campaign=s.campaign)
        .prefetch_related(None)
        .order_by("date", "code")
        .values_list(
            "date", "code", "clinic__code", "rep_id", "field_vet_id", "attendees__clinic__code"
        )
    )
    first: dict[str, dict[str, Any]] = {}
    for day, code, host, rep_id, field_vet_id, attendee_clinic in qs:
        for clinic in (host, attendee_clinic):
            if clinic is None:
                continue
            seen = first.get(clinic)
            if seen is None or (day, code) < (seen["date"], seen["training"]):
                first[clinic] = {
                    "date": day,
                    "training": code,
                    "rep_id": rep_id,
                    "field_vet": field_vet_id is not None,
                }
    return first


def certified_on(facts: Facts) -> dict[int, dt.date]:
    """The day each rep was first certified in one of the campaign's programs."""
    out: dict[int, dt.date] = {}
    for row in facts.readiness:
        if row.certified_at is None:
            continue
        day = timezone.localdate(row.certified_at)
        rep = row.enrolment.rep_id
        out[rep] = min(day, out.get(rep, day))
    return out


def clinic_groups(facts: Facts) -> dict[str, dict[str, bool]]:
    """Per trained clinic code: which side of each split its first training falls on."""
    certified = certified_on(facts)
    groups = {}
    for clinic, t in first_trainings(facts).items():
        when = certified.get(t["rep_id"])
        groups[clinic] = {
            "certified_rep": when is not None and when <= t["date"],
            "field_vet": bool(t["field_vet"]),
        }
    return groups


def _summary(document: dict[str, Any], clinics: int) -> dict[str, Any]:
    rel = (document.get("uplift") or {}).get("relative_uplift") or {}
    simple = document.get("simple") or {}
    return {
        "trained_clinics": clinics,
        "att": simple.get("att"),
        "att_se": simple.get("se"),
        "att_ci_low": simple.get("ci_low"),
        "att_ci_high": simple.get("ci_high"),
        "relative": rel.get("estimate"),
        "relative_se": rel.get("se"),
        "relative_ci_low": rel.get("ci_low"),
        "relative_ci_high": rel.get("ci_high"),
        "error": "",
    }


def subgroup_effects(*, analysis: UpliftAnalysis) -> list[dict[str, Any]]:
    """One row per split and side, plus the difference between the two sides."""
    campaign = analysis.campaign
    # Quarters: half the trained clinics spread over monthly cohorts leaves too few per
    # cohort to estimate; quarterly cohorts are three times as large.
    options = replace(UpliftOptions.from_json(analysis.options), bootstrap=0, freq="quarter")
    facts = Facts(
        Scope(
            campaign=campaign,
            viewer=campaign.marketing_lead,
            start=campaign.start_date,
            end=campaign.end_date,
        )
    )
    groups = clinic_groups(facts)
    panel = campaign_panel(campaign=campaign, options=options).panel
    frame = panel.frame
    treated = set(frame.loc[frame["cohort"] > 0, "clinic_id"])
    rows: list[dict[str, Any]] = []
    for split, (title, yes_label, no_label) in SPLITS.items():
        sides = []
        for side, label in ((True, yes_label), (False, no_label)):
            keep = {c for c in treated if groups.get(c, {}).get(split, False) == side}
            drop = treated - keep
            row: dict[str, Any] = {"split": split, "title": title, "group": label}
            sub = replace(panel, frame=frame[~frame["clinic_id"].isin(drop)])
            try:
                document, _ = uplift_estimate(sub, options)
                row |= _summary(document, len(keep))
            except (DIDError, ValueError, KeyError) as exc:
                row |= {"trained_clinics": len(keep), "error": str(exc).splitlines()[0]}
            rows.append(row)
            sides.append(row)
        a, b = sides
        diff: dict[str, Any] = {"split": split, "title": title, "group": "Difference"}
        if a.get("relative") is not None and b.get("relative") is not None:
            se = math.sqrt((a.get("relative_se") or 0) ** 2 + (b.get("relative_se") or 0) ** 2)
            est = a["relative"] - b["relative"]
            diff |= {
                "trained_clinics": None,
                "relative": est,
                "relative_se": se,
                "relative_ci_low": est - Z95 * se,
                "relative_ci_high": est + Z95 * se,
                "error": "",
            }
        else:
            diff |= {"error": "One of the two groups could not be estimated."}
        rows.append(diff)
    return rows


@transaction.atomic
def uplift_subgroups_store(*, analysis: UpliftAnalysis) -> UpliftAnalysis:
    """Add the subgroup effects to a finished analysis's result (once)."""
    locked = (
        UpliftAnalysis.objects.select_for_update().select_related("campaign").get(pk=analysis.pk)
    )
    if locked.status != "done" or not locked.result or "subgroups" in locked.result:
        return locked
    try:
        rows = subgroup_effects(analysis=locked)
    except (DIDError, ValueError) as exc:
        # E.g. the sales were rolled back since: the review says so instead of failing.
        rows = [{"split": "", "title": "", "group": "", "error": str(exc).splitlines()[0]}]
    locked.result = {**locked.result, "subgroups": rows}
    locked.save(update_fields=["result"])
    audit_record(
        actor=None,
        action="uplift.subgroups",
        obj=locked,
        after={"splits": list(SPLITS)},
    )
    return locked
