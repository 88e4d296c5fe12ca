"""Every state change leaves an audit row: who, what, on which object, before and after.

``CHANGES`` performs each state-changing service of accounts, campaigns, field, training
and measurement the way the app does, and says which sides of the change the row must
carry. ``test_every_state_changing_function_is_audited_or_says_why_not`` finds every
function of those modules that writes to the database; a new one fails until it is
listed here or in ``NOT_AUDITED`` with the reason.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from onevoice.accounts import services as accounts
from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent, User
from onevoice.campaigns import services as campaigns
from onevoice.campaigns.choices import CampaignStatus, Decision, Function
from onevoice.field import services as field
from tests.campaigns.conftest import approved_message, joint_kpi, make_campaign
from tests.field.factories import CLINICS_CSV, campaign_toolkit, world

pytestmark = pytest.mark.django_db

MODULES = (
    "onevoice.accounts.services",
    "onevoice.campaigns.services",
    "onevoice.field.services",
    "onevoice.measurement.sales",
    "onevoice.measurement.uplift",
    "onevoice.measurement.kpis",
    "onevoice.measurement.review",
    "onevoice.measurement.subgroups",
    "onevoice.measurement.freshness",
    "onevoice.training.services",
    "onevoice.accounts.org",
    "onevoice.accounts.throttle",
    "onevoice.accounts.selectors",
)


@dataclass(frozen=True)
class Change:
    """A service call: ``run(org)`` returns the actor and the object the row is about."""

    action: str
    run: Callable[[Any], tuple[User | None, Any]]
    before: bool = False  # the row must say what it was
    after: bool = True  # the row must say what it became


def _u(org: Any, role: Role) -> User:
    return org.users[role]


def _mkt(org: Any) -> User:
    return _u(org, Role.MARKETING)


def _yesterday() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=1)


# --------------------------------------------------------------------------- accounts


def _user_create(org):
    admin = _u(org, Role.ADMIN)
    return admin, accounts.user_create(
        username="newbie", password=None, role=Role.ANALYST, actor=admin
    )


def _user_set_role(org):
    admin = _u(org, Role.ADMIN)
    user = org.other_rep
    return admin, accounts.user_set_role(user=user, role=Role.SALES_MANAGER, actor=admin)


def _token_create(org):
    user = _u(org, Role.ANALYST)
    return user, accounts.api_token_create(user=user, name="laptop")[0]


def _token_revoke(org):
    user = _u(org, Role.ANALYST)
    token = accounts.api_token_create(user=user, name="laptop")[0]
    return user, accounts.api_token_revoke(token=token, actor=user)


# --------------------------------------------------------------------------- campaigns


def _campaign_create(org):
    return _mkt(org), make_campaign(org, status=CampaignStatus.DRAFT)


def _brief_update(org):
    c = make_campaign(org)
    return _mkt(org), campaigns.campaign_brief_update(
        campaign=c, user=_mkt(org), expected_edit_version=c.edit_version, objective="New."
    )


def _products_set(org):
    from tests.campaigns.conftest import make_products

    products = make_products()
    c = make_campaign(org, skus=[products["CDV-0250-100"]])
    return _mkt(org), campaigns.campaign_products_set(
        campaign=c, user=_mkt(org), products=[products["CDV-0500-100"]]
    )


def _transition(org):
    c = make_campaign(org, status=CampaignStatus.DRAFT)
    return _mkt(org), campaigns.campaign_transition(
        campaign=c, user=_mkt(org), target=CampaignStatus.CO_CREATION
    )


def _sign(org):
    c = make_campaign(org)
    approved_message(org, c)
    joint_kpi(org, c)
    manager = _u(org, Role.SALES_MANAGER)
    campaigns.campaign_sign(campaign=c, user=manager)
    return manager, c


def _message_create(org):
    c = make_campaign(org)
    return _mkt(org), campaigns.message_create(campaign=c, user=_mkt(org), title="T", text="x")


def _message_update(org):
    m = campaigns.message_create(campaign=make_campaign(org), user=_mkt(org), title="T", text="x")
    return _mkt(org), campaigns.message_update(
        message=m, user=_mkt(org), expected_edit_version=m.edit_version, title="T", text="y"
    )


def _evidence_add(org):
    m = campaigns.message_create(campaign=make_campaign(org), user=_mkt(org), title="T", text="x")
    return _mkt(org), campaigns.evidence_add(
        user=_mkt(org), message=m, citation="Boswood 2016", excerpt="1228", level="rct"
    )


def _message_approve(org):
    c = make_campaign(org)
    m = campaigns.message_create(campaign=c, user=_mkt(org), title="T", text="x")
    campaigns.evidence_add(user=_mkt(org), message=m, citation="B", excerpt="e", level="rct")
    reviewer = _u(org, Role.REVIEWER)
    return reviewer, campaigns.message_approve(message=m, user=reviewer)


def _objection(org):
    return campaigns.objection_raise(
        campaign=make_campaign(org), user=_u(org, Role.SALES_REP), text="Too dear."
    )


def _objection_raise(org):
    return _u(org, Role.SALES_REP), _objection(org)


def _objection_upvote(org):
    o = _objection(org)
    manager = _u(org, Role.SALES_MANAGER)
    campaigns.objection_upvote(objection=o, user=manager)
    return manager, o


def _objection_heard(org):
    o = _objection(org)
    rep = _u(org, Role.SALES_REP)
    campaigns.objection_heard(objection=o, by=rep, count=2)
    return rep, o


def _response_create(org):
    o = _objection(org)
    return _mkt(org), campaigns.response_save(objection=o, user=_mkt(org), text="Yes.")


def _response_update(org):
    o = _objection(org)
    r = campaigns.response_save(objection=o, user=_mkt(org), text="Yes.")
    return _mkt(org), campaigns.response_save(
        objection=o, user=_mkt(org), text="Yes, because.", expected_edit_version=r.edit_version
    )


def _response_approve(org):
    o = _objection(org)
    r = campaigns.response_save(objection=o, user=_mkt(org), text="Yes.", clinical_claim=False)
    campaigns.evidence_add(user=_mkt(org), response=r, citation="B", excerpt="e", level="rct")
    return _mkt(org), campaigns.response_approve(response=r, user=_mkt(org), as_reviewer=False)


def _asset(org):
    return campaigns.asset_create(
        campaign=make_campaign(org), user=_mkt(org), title="A", kind="detail_aid", body="p"
    )


def _asset_create(org):
    return _mkt(org), _asset(org)


def _asset_version_add(org):
    file = SimpleUploadedFile("aid.pdf", b"%PDF-1.4 aid")
    return _mkt(org), campaigns.asset_version_add(asset=_asset(org), user=_mkt(org), file=file)


def _asset_decide(org):
    version = _asset(org).versions.get()
    reviewer = _u(org, Role.REVIEWER)
    return reviewer, campaigns.asset_decide(
        version=version, user=reviewer, function=Function.REVIEWER, decision=Decision.APPROVE
    )


def _asset_use(org):
    kit = campaign_toolkit(org)
    rep = _u(org, Role.SALES_REP)
    campaigns.asset_use_record(version=kit.version, user=rep, clinic=world(org).clinic)
    return rep, kit.version


KPI: dict[str, Any] = {
    "baseline": 0,
    "due_date": dt.date(2026, 11, 30),
    "owners": ["marketing", "sales"],
}


def _kpi_set(org):
    c = make_campaign(org)
    return _mkt(org), campaigns.kpi_set(
        campaign=c, user=_mkt(org), code="vets_trained", target=1500, **KPI
    )


def _kpi_change(org):
    """Changing a target: the row must keep the old target beside the new one."""
    c = make_campaign(org)
    campaigns.kpi_set(campaign=c, user=_mkt(org), code="vets_trained", target=1500, **KPI)
    manager = _u(org, Role.SALES_MANAGER)
    return manager, campaigns.kpi_set(
        campaign=c, user=manager, code="vets_trained", target=900, **KPI
    )


def _kpi_remove(org):
    c = make_campaign(org)
    kpi = campaigns.kpi_set(campaign=c, user=_mkt(org), code="vets_trained", target=1500, **KPI)
    removed = ("KpiTarget", kpi.pk)  # deleting the row clears the instance's pk
    campaigns.kpi_remove(kpi=kpi, user=_mkt(org))
    return _mkt(org), removed


def _comment_add(org):
    c = make_campaign(org)
    rep = _u(org, Role.SALES_REP)
    return rep, campaigns.comment_add(campaign=c, user=rep, text="@marketing look")


# --------------------------------------------------------------------------- field


def _rep(org):
    return _u(org, Role.SALES_REP)


def _clinic_create(org):
    return _rep(org), field.clinic_create(
        by=_rep(org),
        name="New Vets",
        region=org.north,
        territory=org.territory_own,
        segment="independent_small",
    )


def _clinic_update(org):
    c = world(org).clinic
    return _rep(org), field.clinic_update(clinic=c, by=_rep(org), changes={"potential": 12.5})


def _vet_create(org):
    c = world(org).clinic
    return _rep(org), field.vet_create(by=_rep(org), clinic=c, first_name="Li", last_name="Wu")


def _vet_update(org):
    v = world(org).vet
    return _rep(org), field.vet_update(vet=v, by=_rep(org), changes={"role": "owner"})


def _activity_log(org):
    w = world(org)
    return _rep(org), field.activity_log(
        by=_rep(org), clinic=w.clinic, kind="call", occurred_at=_yesterday(), vets=[w.vet]
    )


def _activity_update(org):
    a = world(org).activity
    return _rep(org), field.activity_update(
        activity=a, by=_rep(org), changes={"summary": "Talked VHS."}
    )


def _training_log(org):
    w = world(org)
    return _rep(org), field.training_log(
        campaign=w.training.campaign,
        by=_rep(org),
        rep=_rep(org),
        clinic=w.clinic,
        date=_yesterday().date(),
        format="in_clinic",
        attendees=[w.vet],
    )


def _training_update(org):
    t = world(org).training
    return _rep(org), field.training_update(training=t, by=_rep(org), changes={"topic": "VHS"})


def _training_scores(org):
    w = world(org)
    return _rep(org), (
        field.training_scores_set(training=w.training, by=_rep(org), scores={w.vet.pk: (40, 85)})
        and w.training
    )


def _ladder_move(org):
    c = world(org).clinic
    field.ladder_move(by=_rep(org), clinic=c, to_stage="trial")
    return _rep(org), c


def _crm_start(org):
    admin = _u(org, Role.ADMIN)
    return admin, field.crm_import_start(
        by=admin, kind="clinics", file_name="crm.csv", content=CLINICS_CSV.encode()
    )


def _crm_mapping(org):
    admin, crm_import = _crm_start(org)
    mapping = {"code": "Account ID", "name": "Account Name", "region": "Region"}
    return admin, field.crm_import_set_mapping(crm_import=crm_import, by=admin, mapping=mapping)


def _crm_commit(org):
    admin, crm_import = _crm_start(org)
    return admin, field.crm_import_commit(crm_import=crm_import, by=admin)


def _vet_erase(org):
    admin = _u(org, Role.ADMIN)
    return admin, field.vet_erase(vet=world(org).vet, by=admin)


# --------------------------------------------------------------------------- measurement


def _sales_setup(org, settings, tmp_path):
    from onevoice.campaigns.models import Product
    from onevoice.field.models import Clinic

    settings.SALES_DATASET_DIR = tmp_path / "sales"
    settings.ONEVOICE_HOME = tmp_path
    Clinic.objects.create(code="C1", name="C1", region=org.north, segment="independent_small")
    Product.objects.create(
        sku="SKU-1",
        name="Pimobendan",
        strength_mg=2.5,
        tablets_per_pack=100,
        list_price=30,
        treatment_months_per_pack=1.64,
    )
    path = tmp_path / "jan.csv"
    path.write_text("clinic_id,date,sku,units\nC1,2026-01-15,SKU-1,3\n")
    return path


def _sales_import(org, settings, tmp_path):
    from onevoice.measurement import sales
    from onevoice.measurement.models import SalesBatch

    analyst = _u(org, Role.ANALYST)
    sales.sales_import(path=_sales_setup(org, settings, tmp_path), user=analyst)
    return analyst, SalesBatch.objects.get()


def _sales_rollback(org, settings, tmp_path):
    from onevoice.measurement import sales

    analyst, batch = _sales_import(org, settings, tmp_path)
    return analyst, sales.sales_batch_rollback(batch=batch, user=analyst)


def _sales_recovered(org, settings, tmp_path):
    """An import killed after the dataset's commit: the reconcile mirrors it, by the
    system (no actor)."""
    from onevoice.measurement import sales
    from onevoice.measurement.models import SalesBatch

    path = _sales_setup(org, settings, tmp_path)
    sales.sales_dataset().import_file(path, reference=sales.sales_reference())
    # Settled at once, as if the import had died minutes ago.
    with mock.patch.object(sales, "RECONCILE_AFTER", dt.timedelta(0)):
        sales.sales_reconcile()
    return None, SalesBatch.objects.get()


def _uplift_start(org):
    from onevoice.measurement.uplift import uplift_analysis_start

    analyst = _u(org, Role.ANALYST)
    return analyst, uplift_analysis_start(campaign=make_campaign(org), user=analyst)


def _kpi_compute(org):
    from onevoice.measurement.kpis import kpi_values_compute

    c = make_campaign(org)
    joint_kpi(org, c)
    kpi_values_compute(campaign=c, user=_mkt(org))
    return _mkt(org), c


def _review_lessons(org):
    from onevoice.measurement.review import review_lesson_save

    c = make_campaign(org)
    return _mkt(org), review_lesson_save(
        campaign=c, function="marketing", user=_mkt(org), text="Train earlier."
    )


def _review_lessons_rewrite(org):
    from onevoice.measurement.review import review_lesson_save

    c = make_campaign(org)
    review_lesson_save(campaign=c, function="marketing", user=_mkt(org), text="Train earlier.")
    return _mkt(org), review_lesson_save(
        campaign=c, function="marketing", user=_mkt(org), text="Train much earlier."
    )


# --------------------------------------------------------------------------- training


def _t(org):
    from tests.training.factories import make_program

    return make_program(org)


def _ts():
    from onevoice.training import services

    return services


def _made_by_program(attr: str):
    """A change the training fixture itself makes through the service (as marketing)."""

    def run(org):
        return _mkt(org), getattr(_t(org), attr)

    return run


def _program_update(org):
    t = _t(org)
    changes = {"description": "Now with staging."}
    return _mkt(org), _ts().program_update(program=t.program, user=_mkt(org), changes=changes)


def _program_status(org):
    t = _t(org)
    return _mkt(org), _ts().program_set_status(program=t.program, user=_mkt(org), status="closed")


def _concept(org):
    t = _t(org)
    return _mkt(org), _ts().concept_get_or_create(
        program=t.program, user=_mkt(org), code="vlas", name="VLAS"
    )


def _module_update(org):
    t = _t(org)
    return _mkt(org), _ts().module_update(module=t.m1, user=_mkt(org), changes={"title": "VHS"})


def _question_active(org):
    t = _t(org)
    q = t.q_single
    return _mkt(org), _ts().question_set_active(question=q, user=_mkt(org), active=False)


def _quiz_start(org):
    t = _t(org)
    return t.rep, _ts().quiz_start(module=t.m1, rep=t.rep, seed=1)


def _quiz_submit(org):
    from tests.training.factories import responses

    t = _t(org)
    attempt = _ts().quiz_start(module=t.m1, rep=t.rep, seed=1)
    _ts().quiz_submit(attempt=attempt, rep=t.rep, responses=responses(attempt))
    return t.rep, attempt


def _cohort_add(org):
    t = _t(org)
    other = t.program.enrolments.get(rep=org.other_rep)
    _ts().seminar_add_to_cohort(seminar=t.seminar, user=_mkt(org), enrolments=[other])
    return _mkt(org), t.seminar


def _attendance(org):
    t = _t(org)
    trainer = _u(org, Role.FIELD_VET)
    _ts().attendance_record(seminar=t.seminar, user=trainer, attended={t.enrolment.pk: True})
    return trainer, t.seminar


def _vhs_points():
    from onevoice.training import schematic

    return schematic.generate_case(3).reference_points


def _vhs_submit(org):
    t = _t(org)
    return t.rep, _ts().vhs_submit(program=t.program, rep=t.rep, points=_vhs_points(), seed=3)


def _vhs_case(org):
    from tests.training.factories import tiny_png

    t = _t(org)
    return _mkt(org), _ts().vhs_case_upload(
        program=t.program,
        user=_mkt(org),
        title="Cavalier",
        file_name="cavalier.png",
        data=tiny_png(),
        reference_vhs=11.2,
    )


def _vhs_reference(org):
    user, case = _vhs_case(org)
    return user, _ts().vhs_case_set_reference(case=case, user=user, points=_vhs_points())


def _roleplay(org):
    t = _t(org)
    manager = _u(org, Role.SALES_MANAGER)
    return manager, _ts().roleplay_create(
        scenario=t.scenario, rep=t.rep, user=manager, seminar=t.seminar
    )


def _roleplay_score(org):
    manager, roleplay = _roleplay(org)
    criteria = ["acknowledge", "clarify", "answer_with_evidence", "check_understanding", "advance"]
    for score in (3, 4):  # scored again: the row keeps the first scores
        _ts().roleplay_score(
            roleplay=roleplay, user=manager, kind="trainer", scores=dict.fromkeys(criteria, score)
        )
    return manager, roleplay


def _kit(org):
    from tests.training.url_matrix import kit

    kit(org)
    return _mkt(org), org.kit


def _kit_invite(org):
    _, kit = _kit(org)
    rep = _u(org, Role.SALES_REP)
    w = world(org)
    invitation, _ = _ts().kit_invite(
        kit=kit, user=rep, training=w.training, vets=[w.vet], email=False
    )[0]
    return rep, invitation


def _kit_invitation(org):
    from tests.training.url_matrix import token

    return _ts().kit_invitation_from_token(token(org)["token"])


def _kit_test(org):
    invitation = _kit_invitation(org)
    _ts().kit_test_submit(invitation=invitation, test="pre", responses={})
    return None, invitation  # the vet has no account: the row names the invitation


def _kit_vhs(org):
    invitation = _kit_invitation(org)
    _ts().kit_vhs_submit(invitation=invitation, seed=3, points=_vhs_points())
    return None, invitation


def _reminder(org):
    t = _t(org)
    late = t.program.prework_due + dt.timedelta(days=1)
    sent = _ts().reminders_send(today=late, email=False)
    return None, sent[-1]  # sent by cron, not by a person


TRAINING_CHANGES: dict[str, Change] = {
    "program_create": Change("training.program.create", _made_by_program("program")),
    "program_update": Change("training.program.update", _program_update, before=True),
    "program_set_status": Change("training.program.status", _program_status, before=True),
    "enrol_team": Change("training.enrol", _made_by_program("program")),
    "concept_get_or_create": Change("training.concept.create", _concept, after=False),
    "module_create": Change("training.module.create", _made_by_program("m2")),
    "module_update": Change("training.module.update", _module_update, before=True),
    "question_create": Change("training.question.create", _made_by_program("q_stage")),
    "question_set_active": Change("training.question.active", _question_active, before=True),
    "quiz_start": Change("training.quiz.start", _quiz_start),
    "quiz_submit": Change("training.quiz.submit", _quiz_submit),
    "seminar_create": Change("training.seminar.create", _made_by_program("seminar")),
    "seminar_add_to_cohort": Change("training.seminar.cohort", _cohort_add),
    "attendance_record": Change("training.attendance", _attendance, before=True),
    "vhs_submit": Change("training.vhs.submit", _vhs_submit),
    "vhs_case_upload": Change("training.vhs_case.upload", _vhs_case),
    "vhs_case_set_reference": Change("training.vhs_case.reference", _vhs_reference, before=True),
    "scenarios_build": Change("training.scenarios.build", _made_by_program("program")),
    "roleplay_create": Change("training.roleplay.create", _roleplay),
    "roleplay_score": Change("training.roleplay.score", _roleplay_score, before=True),
    "kit_create": Change("training.kit.create", _kit),
    "kit_invite": Change("training.kit.invite", _kit_invite),
    "kit_test_submit": Change("training.kit.pre_test", _kit_test),
    "kit_vhs_submit": Change("training.kit.vhs", _kit_vhs),
    "reminders_send": Change("training.reminder", _reminder),
}


CHANGES: dict[str, Change] = {
    "user_create": Change("user.create", _user_create),
    "user_set_role": Change("user.role", _user_set_role, before=True),
    "api_token_create": Change("api_token.create", _token_create, after=False),
    "api_token_revoke": Change("api_token.revoke", _token_revoke, after=False),
    "campaign_create": Change("campaign.create", _campaign_create),
    "campaign_brief_update": Change("campaign.brief_update", _brief_update, before=True),
    "campaign_products_set": Change("campaign.products_set", _products_set, before=True),
    "campaign_transition": Change("campaign.transition", _transition, before=True),
    "campaign_sign": Change("campaign.sign", _sign),
    "message_create": Change("message.create", _message_create),
    "message_update": Change("message.update", _message_update, before=True),
    "evidence_add": Change("evidence.add", _evidence_add),
    "message_approve": Change("message.approve", _message_approve),
    "objection_raise": Change("objection.raise", _objection_raise),
    "objection_upvote": Change("objection.upvote", _objection_upvote, after=False),
    "objection_heard": Change("objection.heard", _objection_heard),
    "response_save": Change("response.create", _response_create),
    "response_save (rewrite)": Change("response.update", _response_update, before=True),
    "response_approve": Change("response.approve", _response_approve, after=False),
    "asset_create": Change("asset.create", _asset_create),
    "asset_version_add": Change("asset.version_add", _asset_version_add),
    "asset_decide": Change("asset.decide", _asset_decide, before=True),
    "asset_use_record": Change("asset.use", _asset_use),
    "kpi_set": Change("kpi.set", _kpi_set),
    "kpi_set (change of target)": Change("kpi.set", _kpi_change, before=True),
    "kpi_remove": Change("kpi.remove", _kpi_remove, before=True, after=False),
    "comment_add": Change("comment.add", _comment_add),
    "clinic_create": Change("clinic.create", _clinic_create),
    "clinic_update": Change("clinic.update", _clinic_update, before=True),
    "vet_create": Change("vet.create", _vet_create),
    "vet_update": Change("vet.update", _vet_update, before=True),
    "activity_log": Change("activity.log", _activity_log),
    "activity_update": Change("activity.update", _activity_update, before=True),
    "training_log": Change("training.log", _training_log),
    "training_update": Change("training.update", _training_update, before=True),
    "training_scores_set": Change("training.scores", _training_scores, before=True),
    "ladder_move": Change("ladder.move", _ladder_move, before=True),
    "crm_import_start": Change("crm_import.upload", _crm_start),
    "crm_import_set_mapping": Change("crm_import.mapping", _crm_mapping, before=True),
    "crm_import_commit": Change("crm_import.commit", _crm_commit),
    "vet_erase": Change("vet.erase", _vet_erase),
    "uplift_analysis_start": Change("uplift.run", _uplift_start),
    "kpi_values_compute": Change("kpi.compute", _kpi_compute),
    "review_lesson_save": Change("review.lessons", _review_lessons),
    "review_lesson_save (rewrite)": Change("review.lessons", _review_lessons_rewrite, before=True),
}
CHANGES.update(TRAINING_CHANGES)
# Services that need the sales dataset set up (settings, a folder) as well.
SALES_CHANGES: dict[str, Change] = {
    "sales_batch_record": Change("sales.import", lambda org: (None, None)),
    "sales_batch_rollback": Change(
        "sales.rollback", lambda org: (None, None), before=True, after=False
    ),
}
SALES_CHANGES["sales_reconcile"] = Change("sales.recovered", lambda org: (None, None))
SALES_RUNS = {
    "sales_batch_record": _sales_import,
    "sales_batch_rollback": _sales_rollback,
    "sales_reconcile": _sales_recovered,
}

NOT_AUDITED: dict[str, str] = {
    "audit_record": "writes the audit row itself",
    "roles_sync": "keeps role groups equal to the role table in code, after each migrate",
    "roles_sync_after_migrate": "keeps role groups equal to the role table in code",
    "notifications_mark_read": "a user marking their own notifications read",
    "clinics_bulk_load": "loads the simulated launch into an empty demo installation",
    "vets_bulk_load": "loads the simulated launch into an empty demo installation",
    "trainings_bulk_load": "loads the simulated launch into an empty demo installation",
    "activities_bulk_load": "loads the simulated launch into an empty demo installation",
    "ladder_bulk_load": "loads the simulated launch into an empty demo installation",
    "sales_import": "its batch is recorded by sales_batch_record, which is audited",
    "upload_store": "keeps an upload for preview; nothing is imported until sales_import",
    "upload_discard": "removes a previewed upload; nothing stored changes",
    "uplift_analysis_compute": "fills in the run that uplift_analysis_start audited",
    "uplift_analysis_run": "uplift_analysis_start + compute",
    "uplift_analysis_in_background": "uplift_analysis_compute in a thread",
    "review_build": "runs an uplift analysis (audited) when none exists",
    "uplift_subgroups_store": "fills in subgroup results of the run uplift_analysis_start audited",
    "bump": "a cache key's version: derived data, no user-visible state",
    "version_of": "a cache key's version: derived data, no user-visible state",
    "reminders_mark_read": "a rep marking their own reminders read",
    "certification_check": (
        "audited as training.certify, by the system; a rep meeting every threshold is set up"
        " in tests/training/test_services.py, which checks the row"
    ),
    "certification_check_all": "certification_check for every rep of a program (cron)",
    "org_load": "creates the demo organisation in an empty installation",
    "login_failure_record": "is itself the record of a failed sign-in (who, from where, when)",
    "login_attempt_reserve": "counts a sign-in attempt as a failure row, itself the record",
    "login_success_record": "clears the failure count of a successful sign-in",
    "api_token_user": "stamps a token's last use: bookkeeping",
}

WRITES = re.compile(
    r"\.(save|create|bulk_create|bulk_update|update|delete|update_or_create|get_or_create)\(|"
    r"audit_record\(|\.set\("
)


def _writers(module: ModuleType) -> set[str]:
    names = set()
    for name, fn in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
            continue
        if WRITES.search(inspect.getsource(fn)):
            names.add(name)
    return names


def test_every_state_changing_function_is_audited_or_says_why_not():
    declared = {name.split(" ")[0] for name in (*CHANGES, *SALES_CHANGES)} | set(NOT_AUDITED)
    found = set().union(*(_writers(importlib.import_module(m)) for m in MODULES))
    missing = sorted(found - declared)
    assert not missing, f"say how these are audited (CHANGES) or why not (NOT_AUDITED): {missing}"


def _check_row(change: Change, actor: User | None, obj: Any, new: list[AuditEvent]) -> None:
    rows = [e for e in new if e.action == change.action]
    assert rows, (change.action, [e.action for e in new])
    row = rows[-1]
    assert row.actor_id == (actor.pk if actor else None), "who"
    assert row.at is not None, "when"
    if obj is not None:
        which = obj if isinstance(obj, tuple) else (type(obj).__name__, obj.pk)
        assert (row.object_type, row.object_id) == (which[0], str(which[1])), "which"
        assert row.object_repr, "which, readably"
    if change.before:
        assert row.before, f"{change.action}: what it was"
    if change.after:
        assert row.after, f"{change.action}: what it became"


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_state_change_writes_who_what_when_and_before_after(org, name):
    change = CHANGES[name]
    world(org)  # field objects exist before counting
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    actor, obj = change.run(org)
    _check_row(change, actor, obj, list(AuditEvent.objects.filter(pk__gt=last).order_by("pk")))


@pytest.mark.parametrize("name", sorted(SALES_CHANGES))
def test_sales_imports_and_rollbacks_are_audited(org, settings, tmp_path, name):
    change = SALES_CHANGES[name]
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    actor, obj = SALES_RUNS[name](org, settings, tmp_path)
    _check_row(change, actor, obj, list(AuditEvent.objects.filter(pk__gt=last).order_by("pk")))


def test_a_role_changed_in_the_admin_site_is_audited(client, org):
    """Administrators also change roles on the Django admin's user page: that change is
    a role change like any other and must reach the audit trail."""
    from django.contrib.auth.models import Group
    from django.urls import reverse

    admin = _u(org, Role.ADMIN)
    client.force_login(admin)
    user = org.other_rep
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        username=user.username,
        groups=[Group.objects.get(name=Role.SALES_MANAGER.value).pk],
        date_joined_0=user.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=user.date_joined.strftime("%H:%M:%S"),
        is_active="on",
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("user_permissions", None)
    data.pop("home_region", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(user.groups.values_list("name", flat=True)) == [Role.SALES_MANAGER.value]
    rows = AuditEvent.objects.filter(object_type="User", object_id=str(user.pk), actor=admin)
    row = rows.last()
    assert row is not None, "the role change left no audit row"
    assert row.before
    assert row.after


# --------------------------------------------------------------------------- admin site


def test_every_admin_site_page_that_can_change_data_is_audited():
    """The admin site saves models directly, past the services: any model it lets a
    superuser add, change or delete must have an ``AuditedModelAdmin``."""
    from django.contrib import admin
    from django.test import RequestFactory

    from onevoice.accounts.admin_audit import AuditedModelAdmin

    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    unaudited = sorted(
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedModelAdmin)
        and (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
    )
    assert not unaudited, f"admin pages that change data without an audit row: {unaudited}"


def _admin_form_data(client, url: str) -> dict[str, Any]:
    """The admin change form as the page fills it in (no inlines on these models)."""
    form = client.get(url).context["adminform"].form
    return {k: (v.pk if hasattr(v, "pk") else v) for k, v in form.initial.items() if v is not None}


def test_reassigning_a_territory_in_the_admin_site_is_audited_with_before_and_after(client, org):
    from django.urls import reverse

    admin = _u(org, Role.ADMIN)
    client.force_login(admin)
    territory = org.territory_own
    before_rep = territory.rep_id
    url = reverse("admin:accounts_territory_change", args=[territory.pk])
    data = {**_admin_form_data(client, url), "rep": org.other_rep.pk}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = AuditEvent.objects.filter(action="admin.change", object_type="Territory").last()
    assert row is not None, "a territory reassigned in the admin site left no audit row"
    assert row.actor == admin
    assert row.before == {"rep": before_rep}
    assert row.after == {"rep": org.other_rep.pk, "via": "admin site"}


def test_deleting_in_the_admin_site_is_audited(client, org):
    from django.urls import reverse

    from onevoice.training import services as ts
    from tests.training.factories import make_program

    concept = ts.concept_get_or_create(
        program=make_program(org).program, user=_mkt(org), code="vlas", name="VLAS"
    )
    superuser = _u(org, Role.ADMIN)  # only a superuser deletes in the admin site
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    client.force_login(superuser)
    url = reverse("admin:training_concept_delete", args=[concept.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    row = AuditEvent.objects.get(action="admin.delete", object_type="Concept")
    assert row.object_id == str(concept.pk)
    assert row.before == {"repr": str(concept)}


def test_a_password_change_is_audited_without_the_password(client, org):
    from django.urls import reverse

    user = _u(org, Role.SALES_REP)
    client.force_login(user)
    new = "A-much-longer-passphrase-2026"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": org.password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    row = AuditEvent.objects.get(action="user.password")
    assert (row.actor, row.object_id) == (user, str(user.pk))
    user.refresh_from_db()
    assert new not in str(row.after)
    assert user.password not in str(row.after)


def test_a_password_set_in_the_admin_site_is_audited_without_the_password(client, org):
    from django.urls import reverse

    admin = _u(org, Role.ADMIN)
    user = org.other_rep
    client.force_login(admin)
    new = "A-much-longer-passphrase-2026"
    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302
    row = AuditEvent.objects.get(action="user.password")
    assert (row.actor, row.object_id) == (admin, str(user.pk))
    user.refresh_from_db()
    assert user.check_password(new)
    assert new not in str(row.after)
    assert user.password not in str(row.after)
