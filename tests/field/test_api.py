"""The field API: same permissions as the pages, clear refusals, imports by upload."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.services import api_token_create
from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.models import Objection
from onevoice.field import services
from onevoice.field.models import Clinic, CrmImport, CustomerTraining
from onevoice.field.services import ERROR_TRAINING_CAMPAIGN_REFUSED
from tests.campaigns.conftest import make_campaign, ready_and_signed
from tests.field.factories import CLINICS_CSV, campaign_toolkit, clinic, vet, world

pytestmark = pytest.mark.django_db


def _auth(org, role: Role) -> dict[str, str]:
    _, key = api_token_create(user=org.users[role], name="t")
    return {"Authorization": f"Bearer {key}"}


def test_lists_hold_only_what_the_user_may_see(client, org):
    world(org)
    codes = {}
    for role in (Role.SALES_REP, Role.SALES_MANAGER, Role.ANALYST):
        body = client.get("/api/field/clinics", headers=_auth(org, role)).json()
        codes[role] = sorted(c["code"] for c in body["items"])
    assert codes == {
        Role.SALES_REP: ["CL-OWN"],
        Role.SALES_MANAGER: ["CL-OWN"],
        Role.ANALYST: ["CL-OTHER", "CL-OWN"],
    }
    own = client.get("/api/field/clinics", headers=_auth(org, Role.SALES_REP)).json()["items"][0]
    assert own["first_trained"] is not None
    assert own["trained_vets"] == 1
    activities = client.get("/api/field/activities", headers=_auth(org, Role.SALES_REP)).json()
    assert [a["clinic"] for a in activities["items"]] == ["CL-OWN"]
    reviewer = client.get("/api/field/clinics", headers=_auth(org, Role.REVIEWER))
    assert reviewer.status_code == 403


@pytest.mark.parametrize(
    "path", ["/api/field/clinics", "/api/field/activities", "/api/field/trainings"]
)
def test_an_offset_past_the_end_is_an_empty_page(client, org, path):
    # 2^63 does not fit the database's integer: found by schemathesis as an admin (a 500).
    world(org)
    headers = _auth(org, Role.ADMIN)
    total = client.get(path, headers=headers).json()["count"]
    assert total > 0
    for offset in (total, 2**63):
        response = client.get(path, {"offset": offset}, headers=headers)
        assert response.status_code == 200, (offset, response.content[:200])
        assert response.json() == {"count": total, "items": []}


def test_a_rep_cannot_reach_another_territory_through_the_api(client, org):
    w = world(org)
    headers = _auth(org, Role.SALES_REP)
    assert client.get(f"/api/field/clinics/{w.other_clinic.pk}", headers=headers).status_code == 403
    response = client.post(
        "/api/field/activities",
        {
            "clinic_id": w.other_clinic.pk,
            "kind": "visit",
            "occurred_at": timezone.now().isoformat(),
        },
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This clinic is outside your territories."
    assert client.get("/api/field/territories/S1/targets", headers=headers).status_code == 403


def test_rule_breaks_are_400_with_the_reason(client, org):
    w = world(org)
    headers = _auth(org, Role.SALES_REP)
    naive = client.post(
        "/api/field/activities",
        {"clinic_id": w.clinic.pk, "kind": "visit", "occurred_at": "2026-01-01T10:00:00"},
        content_type="application/json",
        headers=headers,
    )
    assert naive.status_code == 400
    assert naive.json()["detail"] == "The activity must carry a time zone."
    scores = client.put(
        f"/api/field/trainings/{w.training.pk}/scores",
        [{"vet_id": w.vet.pk, "pre_score": 40, "post_score": 140}],
        content_type="application/json",
        headers=headers,
    )
    assert scores.status_code == 400
    assert "post-test score 140.0 must be between 0 and 100" in scores.json()["detail"]
    assert client.get("/api/field/clinics/999999", headers=headers).status_code == 404


def test_activity_with_campaign_links_counts_the_objection_heard(client, org):
    w, kit = world(org), campaign_toolkit(org)
    response = client.post(
        "/api/field/activities",
        {
            "clinic_id": w.clinic.pk,
            "kind": "visit",
            "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
            "vet_ids": [w.vet.pk],
            "campaign_id": kit.campaign.pk,
            "key_message_ids": [kit.message.pk],
            "asset_version_ids": [kit.version.pk],
            "objection_ids": [kit.objection.pk],
        },
        content_type="application/json",
        headers=_auth(org, Role.SALES_REP),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["key_message_ids"], body["objection_ids"]) == (
        [kit.message.pk],
        [kit.objection.pk],
    )
    assert Objection.objects.get(pk=kit.objection.pk).times_heard == 1


def test_treatment_dates_for_head_office(client, org):
    w = world(org)
    body = client.get("/api/field/treatment-dates", headers=_auth(org, Role.ANALYST)).json()
    assert body == {
        "CL-OWN": w.training.date.isoformat(),
        "CL-OTHER": w.other_training.date.isoformat(),
    }


def _training_body(w, **more):
    return {
        "clinic_id": w.clinic.pk,
        "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "format": "in_clinic",
        "attendees": [{"vet_id": w.vet.pk, "pre_score": 40, "post_score": 80}],
        **more,
    }


def test_api_training_create_names_its_campaign(client, org):
    w = world(org)
    headers = _auth(org, Role.SALES_REP)
    response = client.post(
        "/api/field/trainings",
        _training_body(w, campaign_id=w.training.campaign_id),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["campaign_id"] == w.training.campaign_id
    assert CustomerTraining.objects.get(pk=body["id"]).campaign_id == w.training.campaign_id
    detail = client.get(f"/api/field/trainings/{body['id']}", headers=headers).json()
    assert detail["campaign_id"] == w.training.campaign_id


def test_api_training_create_without_or_with_a_wrong_campaign_is_refused(client, org):
    w = world(org)
    headers = _auth(org, Role.SALES_REP)
    before = CustomerTraining.objects.count()
    missing = client.post(
        "/api/field/trainings", _training_body(w), content_type="application/json", headers=headers
    )
    assert missing.status_code == 422
    assert "campaign_id" in str(missing.json()["detail"])
    draft = make_campaign(org, status=CampaignStatus.DRAFT, name="Unannounced launch")
    for campaign_id in (draft.pk, 999999):
        refused = client.post(
            "/api/field/trainings",
            _training_body(w, campaign_id=campaign_id),
            content_type="application/json",
            headers=headers,
        )
        assert refused.status_code == 400
        assert refused.json()["detail"] == ERROR_TRAINING_CAMPAIGN_REFUSED
    assert CustomerTraining.objects.count() == before


def test_treatment_dates_of_one_campaign_by_slug_or_id(client, org):
    w = world(org)
    rep = org.users[Role.SALES_REP]
    second = ready_and_signed(org, make_campaign(org, name="Second launch"))
    far = clinic(org, code="CL-FAR")
    services.training_log(
        campaign=second,
        by=rep,
        rep=rep,
        clinic=far,
        date=dt.date(2026, 11, 20),
        format="in_clinic",
        attendees=[vet(far)],
    )
    headers = _auth(org, Role.ANALYST)
    url = "/api/field/treatment-dates"
    everything = client.get(url, headers=headers).json()
    assert set(everything) == {"CL-OWN", "CL-OTHER", "CL-FAR"}
    heart = w.training.campaign
    for ref in (heart.slug, str(heart.pk)):
        assert client.get(url, {"campaign": ref}, headers=headers).json() == {
            "CL-OWN": w.training.date.isoformat(),
            "CL-OTHER": w.other_training.date.isoformat(),
        }
    assert client.get(url, {"campaign": second.slug}, headers=headers).json() == {
        "CL-FAR": "2026-11-20"
    }
    unknown = client.get(url, {"campaign": "no-such-launch"}, headers=headers)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "No campaign with slug or id 'no-such-launch'."
    # Still head office only, whatever the campaign asked for.
    as_rep = client.get(url, {"campaign": heart.slug}, headers=_auth(org, Role.SALES_REP))
    assert as_rep.status_code == 403


def test_api_training_list_filters_by_campaign(client, org):
    w = world(org)
    headers = _auth(org, Role.ANALYST)
    heart = w.training.campaign
    body = client.get("/api/field/trainings", {"campaign": heart.slug}, headers=headers).json()
    assert {t["id"] for t in body["items"]} == {w.training.pk, w.other_training.pk}
    second = ready_and_signed(org, make_campaign(org, name="Second launch"))
    empty = client.get("/api/field/trainings", {"campaign": second.pk}, headers=headers).json()
    assert empty == {"count": 0, "items": []}


@pytest.mark.parametrize("role", list(Role))
def test_only_an_admin_uploads_a_crm_export(client, org, role):
    upload = SimpleUploadedFile("crm.csv", CLINICS_CSV.encode(), content_type="text/csv")
    response = client.post(
        "/api/field/imports", {"kind": "clinics", "file": upload}, headers=_auth(org, role)
    )
    if role != Role.ADMIN:
        assert response.status_code == 403
        assert not CrmImport.objects.exists()
        return
    assert response.status_code == 201
    body = response.json()
    assert body["counts"] == {"new": 2, "updated": 0, "unchanged": 0, "refused": 0}
    assert body["mapping"]["code"] == "Account ID"
    commit = client.post(f"/api/field/imports/{body['id']}/commit", headers=_auth(org, role))
    assert commit.json()["status"] == "committed"
    assert Clinic.objects.count() == 2


def test_api_upload_of_a_bad_file_names_it(client, org):
    upload = SimpleUploadedFile(
        "contacts.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-excel"
    )
    response = client.post(
        "/api/field/imports", {"kind": "vets", "file": upload}, headers=_auth(org, Role.ADMIN)
    )
    assert response.status_code == 400
    assert (
        response.json()["detail"]
        == "contacts.xls: old Excel format (.xls); save it as .xlsx or CSV."
    )


def test_openapi_lists_the_field_endpoints(client, org):
    client.force_login(org.users[Role.ANALYST])
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/field/clinics", "/api/field/activities", "/api/field/treatment-dates"} <= set(
        paths
    )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES_REP])
def test_the_trainings_list_serves_its_documented_maximum(client, org, role):
    # Issue 17: `?limit=499` was a 500 on SQLite ("Expression tree is too large").
    from onevoice.field.api import MAX_LIMIT
    from onevoice.field.models import TrainingAttendance, Vet

    w = world(org)
    rep = org.users[Role.SALES_REP]
    trainings = CustomerTraining.objects.bulk_create(
        CustomerTraining(
            code=f"BULK-{i:04d}",
            clinic=w.clinic,
            campaign=w.training.campaign,
            date=w.training.date,
            format="in_clinic",
            rep=rep,
        )
        for i in range(MAX_LIMIT + 5)
    )
    # Three vets of their own at each, as at the demo: the vets read with the page are
    # as many as its attendances, not one.
    vets = Vet.objects.bulk_create(
        Vet(code=f"BV-{i:05d}", clinic=w.clinic, first_name="Ana", last_name=f"B{i}")
        for i in range(3 * len(trainings))
    )
    TrainingAttendance.objects.bulk_create(
        TrainingAttendance(training=t, vet=vets[3 * i + j], pre_score=40, post_score=80)
        for i, t in enumerate(trainings)
        for j in range(3)
    )
    headers = _auth(org, role)
    for limit in (MAX_LIMIT - 1, MAX_LIMIT):
        response = client.get("/api/field/trainings", {"limit": limit}, headers=headers)
        assert response.status_code == 200, (limit, response.content[:300])
        items = response.json()["items"]
        assert len(items) == limit
        assert all(len(t["attendees"]) == 3 for t in items)
        assert all(a["vet_code"].startswith("BV-") for t in items for a in t["attendees"])
