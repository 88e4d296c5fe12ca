"""Who may open the pages and endpoints of the field app.

Objects are in territory N1: the rep's own, the North manager's team, the North field
vet's region, who co-delivered the training. Access to the *other* territory's objects
is tested role by role in ``test_permissions.py``.
"""

from onevoice.accounts.choices import Role
from tests.field.factories import world
from tests.url_matrix import Entry

REP, ADMIN, FIELD_VET, REVIEWER = (
    Role.SALES_REP.value,
    Role.ADMIN.value,
    Role.FIELD_VET.value,
    Role.REVIEWER.value,
)
NOT_REVIEWER = {REVIEWER: 403}  # every role but the reviewer reads field work


def _only(*roles: str, status: int = 200) -> dict[str, int]:
    return dict.fromkeys(roles, status)


def clinic(org):
    return {"pk": world(org).clinic.pk}


def vet(org):
    return {"pk": world(org).vet.pk}


def activity(org):
    return {"pk": world(org).activity.pk}


def training(org):
    return {"pk": world(org).training.pk}


def crm_import(org):
    return {"pk": world(org).crm_import.pk}


MATRIX: dict[str, Entry] = {
    "field:territories": Entry("GET", 302, 200, only=NOT_REVIEWER),
    "field:territory": Entry("GET", 302, 200, only=NOT_REVIEWER, kwargs={"code": "N1"}),
    "field:clinics": Entry("GET", 302, 200, only=NOT_REVIEWER),
    "field:clinic_new": Entry("GET", 302, 403, only=_only(REP, ADMIN)),
    "field:clinic": Entry("GET", 302, 200, only=NOT_REVIEWER, kwargs=clinic),
    "field:clinic_edit": Entry("GET", 302, 403, only=_only(REP, ADMIN), kwargs=clinic),
    "field:clinic_ladder": Entry(
        "POST", 302, 403, only=_only(REP, status=302), kwargs=clinic, data={"to_stage": "aware"}
    ),
    "field:vet_new": Entry("GET", 302, 403, only=_only(REP, ADMIN), kwargs=clinic),
    "field:activity_new": Entry("GET", 302, 403, only=_only(REP), kwargs=clinic),
    "field:training_new": Entry("GET", 302, 403, only=_only(REP), kwargs=clinic),
    "field:vet": Entry("GET", 302, 200, only=NOT_REVIEWER, kwargs=vet),
    "field:vet_edit": Entry("GET", 302, 403, only=_only(REP, ADMIN), kwargs=vet),
    "field:vet_ladder": Entry(
        "POST", 302, 403, only=_only(REP, status=302), kwargs=vet, data={"to_stage": "trial"}
    ),
    "field:vet_export": Entry("GET", 302, 403, only=_only(ADMIN), kwargs=vet),
    "field:vet_erase": Entry("POST", 302, 403, only=_only(ADMIN, status=302), kwargs=vet),
    "field:activities": Entry("GET", 302, 200, only=NOT_REVIEWER),
    "field:activity": Entry("GET", 302, 200, only=NOT_REVIEWER, kwargs=activity),
    "field:activity_edit": Entry("GET", 302, 403, only=_only(REP), kwargs=activity),
    "field:trainings": Entry("GET", 302, 200, only=NOT_REVIEWER),
    "field:training": Entry("GET", 302, 200, only=NOT_REVIEWER, kwargs=training),
    "field:training_edit": Entry("GET", 302, 403, only=_only(REP, FIELD_VET), kwargs=training),
    "field:training_scores": Entry("GET", 302, 403, only=_only(REP, FIELD_VET), kwargs=training),
    "field:imports": Entry("GET", 302, 403, only=_only(ADMIN)),
    "field:import": Entry("GET", 302, 403, only=_only(ADMIN), kwargs=crm_import),
    "field:import_commit": Entry(
        "POST", 302, 403, only=_only(ADMIN, status=302), kwargs=crm_import
    ),
    "field:import_report": Entry("GET", 302, 403, only=_only(ADMIN), kwargs=crm_import),
}


def _yesterday() -> str:
    import datetime as dt

    from django.utils import timezone

    return (timezone.now() - dt.timedelta(days=1)).isoformat()


def _activity_in(org):
    return {"clinic_id": world(org).clinic.pk, "kind": "call", "occurred_at": _yesterday()}


def _training_in(org):
    w = world(org)
    return {
        "clinic_id": w.clinic.pk,
        "campaign_id": w.training.campaign_id,
        "date": _yesterday()[:10],
        "format": "in_clinic",
        "attendees": [{"vet_id": w.vet.pk, "pre_score": 40, "post_score": 80}],
    }


def _scores_in(org):
    return [{"vet_id": world(org).vet.pk, "pre_score": 50, "post_score": 90}]


MARKETING, ANALYST = Role.MARKETING.value, Role.ANALYST.value
CLINIC_IN = {"name": "API clinic", "region": "N", "territory": "N1", "segment": "corporate_group"}
FORBIDDEN = 403

MATRIX.update(
    {
        "api:field_clinic_list": Entry("GET", 401, 200, only=NOT_REVIEWER),
        "api:field_clinic_create": Entry(
            "POST", 401, FORBIDDEN, only=_only(REP, ADMIN, status=201), data=CLINIC_IN, json=True
        ),
        "api:field_clinic": Entry(
            "GET", 401, 200, only=NOT_REVIEWER, kwargs=lambda o: {"clinic_id": world(o).clinic.pk}
        ),
        "api:field_clinic_update": Entry(
            "PATCH",
            401,
            FORBIDDEN,
            only=_only(REP, ADMIN),
            kwargs=lambda o: {"clinic_id": world(o).clinic.pk},
            data={"potential": 7.5},
            json=True,
        ),
        "api:field_clinic_vets": Entry(
            "GET", 401, 200, only=NOT_REVIEWER, kwargs=lambda o: {"clinic_id": world(o).clinic.pk}
        ),
        "api:field_vet_create": Entry(
            "POST",
            401,
            FORBIDDEN,
            only=_only(REP, ADMIN, status=201),
            kwargs=lambda o: {"clinic_id": world(o).clinic.pk},
            data={"first_name": "Ana", "last_name": "Silva"},
            json=True,
        ),
        "api:field_vet": Entry(
            "GET", 401, 200, only=NOT_REVIEWER, kwargs=lambda o: {"vet_id": world(o).vet.pk}
        ),
        "api:field_vet_update": Entry(
            "PATCH",
            401,
            FORBIDDEN,
            only=_only(REP, ADMIN),
            kwargs=lambda o: {"vet_id": world(o).vet.pk},
            data={"phone": "0123"},
            json=True,
        ),
        "api:field_vet_export": Entry(
            "GET", 401, FORBIDDEN, only=_only(ADMIN), kwargs=lambda o: {"vet_id": world(o).vet.pk}
        ),
        "api:field_vet_erase": Entry(
            "POST", 401, FORBIDDEN, only=_only(ADMIN), kwargs=lambda o: {"vet_id": world(o).vet.pk}
        ),
        "api:field_clinic_ladder": Entry(
            "GET", 401, 200, only=NOT_REVIEWER, kwargs=lambda o: {"clinic_id": world(o).clinic.pk}
        ),
        "api:field_clinic_move": Entry(
            "POST",
            401,
            FORBIDDEN,
            only=_only(REP, status=201),
            kwargs=lambda o: {"clinic_id": world(o).clinic.pk},
            data={"to_stage": "aware"},
            json=True,
        ),
        "api:field_vet_move": Entry(
            "POST",
            401,
            FORBIDDEN,
            only=_only(REP, status=201),
            kwargs=lambda o: {"vet_id": world(o).vet.pk},
            data={"to_stage": "trial", "note": "prescribed"},
            json=True,
        ),
        "api:field_activity_list": Entry("GET", 401, 200, only=NOT_REVIEWER),
        "api:field_activity_create": Entry(
            "POST", 401, FORBIDDEN, only=_only(REP, status=201), data=_activity_in, json=True
        ),
        "api:field_activity": Entry(
            "GET",
            401,
            200,
            only=NOT_REVIEWER,
            kwargs=lambda o: {"activity_id": world(o).activity.pk},
        ),
        "api:field_training_list": Entry("GET", 401, 200, only=NOT_REVIEWER),
        "api:field_training_create": Entry(
            "POST", 401, FORBIDDEN, only=_only(REP, status=201), data=_training_in, json=True
        ),
        "api:field_training": Entry(
            "GET",
            401,
            200,
            only=NOT_REVIEWER,
            kwargs=lambda o: {"training_id": world(o).training.pk},
        ),
        "api:field_training_scores": Entry(
            "PUT",
            401,
            FORBIDDEN,
            only=_only(REP, FIELD_VET),
            kwargs=lambda o: {"training_id": world(o).training.pk},
            data=_scores_in,
            json=True,
        ),
        "api:field_territory_list": Entry("GET", 401, 200, only=NOT_REVIEWER),
        "api:field_territory_targets": Entry(
            "GET", 401, 200, only=NOT_REVIEWER, kwargs={"code": "N1"}
        ),
        "api:field_treatment_dates": Entry(
            "GET", 401, FORBIDDEN, only=_only(MARKETING, ANALYST, ADMIN)
        ),
        # Uploads are multipart, which the matrix does not send: every role gets the
        # validation error; who may upload is tested in test_api.py.
        "api:field_import_create": Entry("POST", 401, 422),
        "api:field_import": Entry(
            "GET",
            401,
            FORBIDDEN,
            only=_only(ADMIN),
            kwargs=lambda o: {"import_id": world(o).crm_import.pk},
        ),
        "api:field_import_mapping": Entry(
            "PUT",
            401,
            FORBIDDEN,
            only=_only(ADMIN),
            kwargs=lambda o: {"import_id": world(o).crm_import.pk},
            data={"mapping": {"code": "Account ID", "name": "Account Name", "region": "Region"}},
            json=True,
        ),
        "api:field_import_commit": Entry(
            "POST",
            401,
            FORBIDDEN,
            only=_only(ADMIN),
            kwargs=lambda o: {"import_id": world(o).crm_import.pk},
        ),
    }
)
