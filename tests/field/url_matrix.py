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
