"""Objects outside a requester's campaign, team or territory, URL by URL.

The app matrices (``tests/<app>/url_matrix.py``) say who may open each URL for an
object *inside* the requester's scope. Here each URL of the field, campaigns and
measurement apps that reaches an object gets variants with an object *outside* it:

* field: the other territory's clinic, vet, activity and training (S1, South team),
  which the North rep, the North manager and the North field vet must not reach, while
  the South rep and manager (``insiders``) reach them as the North ones reach theirs;
* campaigns: a draft campaign (not yet open to reps and field vets), a campaign led by
  other people (only its leads sign and move it), and an object of another campaign
  put under this campaign's address (nobody reaches it that way: 404);
* measurement: nothing is scoped below the role (``NOT_SCOPED`` says why);
* training: another team's program, results and seminar (``scope_training``).

An app may also declare variants on its own entries (``Entry.outside``); both count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.campaigns import services as cs
from onevoice.campaigns.choices import CampaignStatus
from tests.campaigns.conftest import make_campaign
from tests.field.factories import world
from tests.security.scope_training import NOT_SCOPED_TRAINING, TRAINING
from tests.url_matrix import ANON, Entry, Outside

MKT, MGR, REP, FV, REV, ANA, ADM = (r.value for r in Role)
ROLES = tuple(r.value for r in Role)
FORBIDDEN, NOT_FOUND = 403, 404

# ------------------------------------------------------------------ field: territory S1

SOUTH = {"other_rep": REP, "other_manager": MGR}
LIMITED_READERS = {REP: FORBIDDEN, MGR: FORBIDDEN, FV: FORBIDDEN}
OTHER_TERRITORY = "an object of territory S1 (South team, South region)"


def _south(*denied: str, **extra: Any) -> Outside:
    return Outside(
        why=OTHER_TERRITORY,
        denied=dict.fromkeys(denied, FORBIDDEN),
        insiders=SOUTH,
        **extra,
    )


def _other(attr: str, key: str = "pk") -> Callable[[Any], dict[str, Any]]:
    return lambda org: {key: getattr(world(org), attr).pk}


def _yesterday() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=1)


def _training_at_other(org: Any) -> dict[str, Any]:
    w = world(org)
    return {
        "clinic_id": w.other_clinic.pk,
        "campaign_id": w.training.campaign_id,
        "date": _yesterday().date().isoformat(),
        "format": "in_clinic",
        "attendees": [{"vet_id": w.other_vet.pk, "pre_score": 40, "post_score": 80}],
    }


def _own_training_with_other_attendee(org: Any) -> dict[str, Any]:
    w = world(org)
    return {
        "clinic_id": w.clinic.pk,
        "campaign_id": w.training.campaign_id,
        "date": _yesterday().date().isoformat(),
        "format": "in_clinic",
        "attendees": [{"vet_id": w.other_vet.pk, "pre_score": 40, "post_score": 80}],
    }


READ = (REP, MGR, FV)
FIELD: dict[str, tuple[Outside, ...]] = {
    "field:territory": (_south(*READ, kwargs={"code": "S1"}),),
    "field:clinic": (_south(*READ, kwargs=_other("other_clinic")),),
    "field:clinic_edit": (_south(REP, kwargs=_other("other_clinic")),),
    "field:clinic_ladder": (_south(REP, kwargs=_other("other_clinic")),),
    "field:vet_new": (_south(REP, kwargs=_other("other_clinic")),),
    "field:activity_new": (_south(REP, kwargs=_other("other_clinic")),),
    "field:training_new": (_south(REP, kwargs=_other("other_clinic")),),
    "field:vet": (_south(*READ, kwargs=_other("other_vet")),),
    "field:vet_edit": (_south(REP, kwargs=_other("other_vet")),),
    "field:vet_ladder": (_south(REP, kwargs=_other("other_vet")),),
    "field:activity": (_south(*READ, kwargs=_other("other_activity")),),
    "field:activity_edit": (_south(REP, kwargs=_other("other_activity")),),
    "field:training": (_south(*READ, kwargs=_other("other_training")),),
    # The North field vet co-delivered the North training only.
    "field:training_edit": (_south(REP, FV, kwargs=_other("other_training")),),
    "field:training_scores": (_south(REP, FV, kwargs=_other("other_training")),),
    "api:field_clinic": (_south(*READ, kwargs=_other("other_clinic", "clinic_id")),),
    "api:field_clinic_update": (_south(REP, kwargs=_other("other_clinic", "clinic_id")),),
    "api:field_clinic_vets": (_south(*READ, kwargs=_other("other_clinic", "clinic_id")),),
    "api:field_vet_create": (_south(REP, kwargs=_other("other_clinic", "clinic_id")),),
    "api:field_vet": (_south(*READ, kwargs=_other("other_vet", "vet_id")),),
    "api:field_vet_update": (_south(REP, kwargs=_other("other_vet", "vet_id")),),
    "api:field_clinic_ladder": (_south(*READ, kwargs=_other("other_clinic", "clinic_id")),),
    "api:field_clinic_move": (_south(REP, kwargs=_other("other_clinic", "clinic_id")),),
    "api:field_vet_move": (_south(REP, kwargs=_other("other_vet", "vet_id")),),
    "api:field_activity": (_south(*READ, kwargs=_other("other_activity", "activity_id")),),
    "api:field_training": (_south(*READ, kwargs=_other("other_training", "training_id")),),
    "api:field_training_scores": (
        _south(
            REP,
            FV,
            kwargs=_other("other_training", "training_id"),
            data=lambda org: [
                {"vet_id": world(org).other_vet.pk, "pre_score": 50, "post_score": 90}
            ],
        ),
    ),
    "api:field_territory_targets": (_south(*READ, kwargs={"code": "S1"}),),
    # Objects named in the body rather than the address.
    "api:field_clinic_create": (
        _south(
            REP,
            data={
                "name": "Intruder clinic",
                "region": "S",
                "territory": "S1",
                "segment": "corporate_group",
            },
        ),
    ),
    "api:field_activity_create": (
        _south(
            REP,
            data=lambda org: {
                "clinic_id": world(org).other_clinic.pk,
                "kind": "call",
                "occurred_at": _yesterday().isoformat(),
            },
        ),
    ),
    "api:field_training_create": (
        _south(REP, data=_training_at_other),
        Outside(
            why="a North training listing a South vet as attendee",
            denied={REP: FORBIDDEN},
            data=_own_training_with_other_attendee,
        ),
    ),
}

# ------------------------------------------------------------------ campaigns


def _draft(org: Any) -> Any:
    return make_campaign(org, status=CampaignStatus.DRAFT, name="Unannounced launch")


def _led_by_others(org: Any) -> Any:
    """A campaign in co-creation whose leads are a second marketer and the South manager."""
    from onevoice.accounts.services import user_create

    marketer = user_create(username="marketing_two", password=org.password, role=Role.MARKETING)
    org.marketing_two = marketer
    campaign = cs.campaign_create(
        user=marketer,
        name="South launch",
        product="Pimobendan",
        indication="MMVD stage B2",
        objective="Find B2 dogs.",
        why="Because.",
        start_date=dt.date(2025, 6, 1),
        end_date=dt.date(2026, 11, 30),
        marketing_lead=marketer,
        sales_lead=org.other_manager,
    )
    return cs.campaign_transition(
        campaign=campaign, user=marketer, target=CampaignStatus.CO_CREATION
    )


def _draft_version(org: Any) -> dict[str, Any]:
    """An approved asset version of a draft campaign."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from onevoice.campaigns.choices import Decision, Function

    campaign = _draft(org)
    asset = cs.asset_create(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        title="Teaser",
        kind="detail_aid",
        file=SimpleUploadedFile("teaser.pdf", b"%PDF-1.4 teaser"),
    )
    version = asset.versions.get()
    for function, role in (
        (Function.MARKETING, Role.MARKETING),
        (Function.SALES, Role.SALES_MANAGER),
        (Function.REVIEWER, Role.REVIEWER),
    ):
        version = cs.asset_decide(
            version=version, user=org.users[role], function=function, decision=Decision.APPROVE
        )
    return {"pk": version.pk}


def _in_other_campaign(make: Callable[[Any, Any], Any]) -> Callable[[Any], dict[str, Any]]:
    """This campaign's address with the primary key of another campaign's object."""

    def kwargs(org: Any) -> dict[str, Any]:
        here = make_campaign(org)
        there = make_campaign(org, name="Other launch")
        return {"slug": here.slug, "pk": make(org, there).pk}

    return kwargs


def _message(org: Any, campaign: Any) -> Any:
    return cs.message_create(campaign=campaign, user=org.users[Role.MARKETING], title="t", text="x")


def _objection(org: Any, campaign: Any, with_response: bool = False) -> Any:
    o = cs.objection_raise(campaign=campaign, user=org.users[Role.SALES_REP], text="No.")
    if with_response:
        cs.response_save(objection=o, user=org.users[Role.MARKETING], text="Yes.")
    return o


def _asset(org: Any, campaign: Any) -> Any:
    return cs.asset_create(
        campaign=campaign, user=org.users[Role.MARKETING], title="A", kind="detail_aid", body="p"
    )


def _kpi(org: Any, campaign: Any) -> Any:
    return cs.kpi_set(
        campaign=campaign,
        user=org.users[Role.MARKETING],
        code="units_sold",
        baseline=1,
        target=2,
        due_date=dt.date(2026, 1, 1),
        owners=["sales"],
    )


DRAFT = "a draft campaign, not yet open to reps and field vets"
FIELD_ROLES = {REP: FORBIDDEN, FV: FORBIDDEN}


def _draft_variant(**more: int) -> Outside:
    return Outside(
        why=DRAFT, denied={**FIELD_ROLES, **more}, kwargs=lambda o: {"slug": _draft(o).slug}
    )


# Raising or up-voting objections waits for co-creation, whoever asks.
NO_OBJECTIONS_YET = {MKT: FORBIDDEN, MGR: FORBIDDEN}
OTHER_LEADS = Outside(
    why="a campaign led by a second marketer and the South manager",
    denied={MKT: FORBIDDEN, MGR: FORBIDDEN},
    kwargs=lambda o: {"slug": _led_by_others(o).slug},
    insiders={"other_manager": MGR, "marketing_two": MKT},
)
CAMPAIGNS: dict[str, tuple[Outside, ...]] = {
    "campaigns:detail": (_draft_variant(),),
    "campaigns:history": (_draft_variant(),),
    "campaigns:objection_raise": (_draft_variant(**NO_OBJECTIONS_YET),),
    "campaigns:comment_add": (_draft_variant(),),
    "campaigns:transition": (OTHER_LEADS,),
    "campaigns:sign": (OTHER_LEADS,),
    "campaigns:asset_version": (Outside(why=DRAFT, denied=FIELD_ROLES, kwargs=_draft_version),),
    "campaigns:asset_download": (Outside(why=DRAFT, denied=FIELD_ROLES, kwargs=_draft_version),),
    "campaigns:asset_use": (Outside(why=DRAFT, denied=FIELD_ROLES, kwargs=_draft_version),),
    "campaigns:asset_comment": (Outside(why=DRAFT, denied=FIELD_ROLES, kwargs=_draft_version),),
    "api:campaign_detail": (_draft_variant(),),
    "api:message_list": (_draft_variant(),),
    "api:objection_list": (_draft_variant(),),
    "api:objection_raise": (_draft_variant(**NO_OBJECTIONS_YET),),
    "api:campaign_sign": (OTHER_LEADS,),
}

# Objects of another campaign under this campaign's address: whoever may act on this
# campaign's objects gets 404, as if the object did not exist; the rest keep their 403.
IN_OTHER_CAMPAIGN: dict[str, Callable[[Any, Any], Any]] = {
    "campaigns:message_edit": _message,
    "campaigns:message_approve": _message,
    "campaigns:message_evidence": _message,
    "campaigns:objection_upvote": _objection,
    "campaigns:response_edit": _objection,
    "campaigns:response_evidence": lambda org, c: _objection(org, c, with_response=True),
    "campaigns:response_approve": lambda org, c: _objection(org, c, with_response=True),
    "campaigns:asset_version_add": _asset,
    "campaigns:kpi_remove": _kpi,
}


def _api_objection_elsewhere(org: Any) -> dict[str, Any]:
    k = _in_other_campaign(_objection)(org)
    return {"slug": k["slug"], "objection_id": k["pk"]}


def _not_found_for_those_allowed(entry: Entry) -> dict[str, int]:
    return {who: NOT_FOUND for who in ROLES if entry.expected(who) < 400}


def _with_other_campaign_objects(matrix: dict[str, Entry]) -> dict[str, tuple[Outside, ...]]:
    out: dict[str, tuple[Outside, ...]] = {
        name: (
            Outside(
                why="an object of another campaign under this campaign's address",
                denied=_not_found_for_those_allowed(matrix[name]),
                kwargs=_in_other_campaign(make),
            ),
        )
        for name, make in IN_OTHER_CAMPAIGN.items()
    }
    out["api:objection_upvote"] = (
        Outside(
            why="an objection of another campaign under this campaign's address",
            denied=_not_found_for_those_allowed(matrix["api:objection_upvote"]),
            kwargs=_api_objection_elsewhere,
        ),
        Outside(
            why=DRAFT,
            denied={**FIELD_ROLES, **NO_OBJECTIONS_YET},
            kwargs=_objection_in_draft,
        ),
    )
    return out


def _objection_in_draft(org: Any) -> dict[str, Any]:
    campaign = _draft(org)
    return {"slug": campaign.slug, "objection_id": _objection(org, campaign).pk}


# ------------------------------------------------------------------ measurement

SOUTH_BY_NAME = "the South territory asked for by name"
MEASUREMENT: dict[str, tuple[Outside, ...]] = {
    "measurement:dashboard_territory": (
        Outside(
            why=SOUTH_BY_NAME,
            denied={REP: FORBIDDEN, MGR: FORBIDDEN},
            query={"territory": "S1"},
            insiders=SOUTH,
        ),
    ),
    "measurement:dashboard_csv": (
        Outside(
            why=SOUTH_BY_NAME,
            denied={REP: FORBIDDEN, MGR: FORBIDDEN},
            query={"territory": "S1"},
            insiders=SOUTH,
        ),
    ),
    "measurement:dashboard_sales": (
        Outside(
            why=SOUTH_BY_NAME,
            denied={MGR: FORBIDDEN},
            query={"territory": "S1"},
            insiders={"other_manager": MGR},
        ),
    ),
    "measurement:dashboard_marketing": (
        Outside(
            why="the South region asked for by name",
            denied={MGR: FORBIDDEN},
            query={"region": "S"},
            insiders={"other_manager": MGR},
        ),
    ),
}

# ------------------------------------------------------------------ not scoped below the role

NOT_SCOPED: dict[str, str] = {
    "field:vet_export": "administrators only, and an administrator's scope is every territory",
    "field:vet_erase": "administrators only, and an administrator's scope is every territory",
    "field:import": "CRM imports are administrators' work, not a territory's",
    "field:import_commit": "CRM imports are administrators' work, not a territory's",
    "field:import_report": "CRM imports are administrators' work, not a territory's",
    "api:field_vet_export": "administrators only, every territory",
    "api:field_vet_erase": "administrators only, every territory",
    "api:field_import": "CRM imports are administrators' work",
    "api:field_import_mapping": "CRM imports are administrators' work",
    "api:field_import_commit": "CRM imports are administrators' work",
    "measurement:uplift_detail": "head-office readers only; analyses are company-wide aggregates",
    "measurement:uplift_csv": "head-office readers only; analyses are company-wide aggregates",
    "measurement:sales_preview": "analysts and administrators; an upload is reached by its secret token",
    "measurement:sales_batch": "analysts and administrators; sales batches are company-wide",
    "measurement:sales_quarantine": "analysts and administrators; sales batches are company-wide",
    "measurement:sales_rollback": "analysts and administrators; sales batches are company-wide",
    "measurement:kpis_compute": "head-office roles only, and they see every campaign",
    "measurement:review": "head-office roles only, and they see every campaign",
    "measurement:review_file": "head-office roles only, and they see every campaign",
    "measurement:review_produce": "head-office roles only, and they see every campaign",
    "campaigns:asset_decide": "the three approving functions are head-office roles that see every campaign; reps never see a version in review",
    "campaigns:brief_edit": "marketing works on every campaign; only signing and moving it are the leads'",
    "campaigns:message_create": "marketing works on every campaign; only signing and moving it are the leads'",
    "campaigns:asset_create": "marketing and sales managers work on every campaign's assets",
    "campaigns:kpi_set": "marketing and sales managers co-own every campaign's KPI plan",
    **NOT_SCOPED_TRAINING,
}


def outside_variants(matrix: dict[str, Entry]) -> dict[str, tuple[Outside, ...]]:
    """Every outside variant: those declared here and those on the app matrices' entries."""
    variants: dict[str, tuple[Outside, ...]] = {}
    for source in (FIELD, CAMPAIGNS, MEASUREMENT, TRAINING, _with_other_campaign_objects(matrix)):
        for name, outs in source.items():
            variants[name] = variants.get(name, ()) + outs
    for name, entry in matrix.items():
        if entry.outside:
            variants[name] = variants.get(name, ()) + entry.outside
    return variants


__all__ = ["ANON", "NOT_SCOPED", "outside_variants"]
