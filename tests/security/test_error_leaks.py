"""Refusals never name what the requester may not see (issue 17, findings 1 and 2).

A served demo leaked names through error messages: a rep posting another territory's
vet code to ``POST /api/field/clinics/{id}/vets`` read "already exists: Dr …", scores
for another clinic's vet read "Dr … did not attend", a draft key message's id in an
activity quoted its title, an @mention on a draft campaign showed its name and the
comment. Here every write endpoint of the field API, and the form pages where the same
messages appear, is sent out-of-scope ids as a rep and as a field vet; no response may
hold a name, title or text of those objects.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.services import api_token_create
from onevoice.campaigns import services as cs
from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.models import Notification, Objection
from onevoice.field import services
from tests.campaigns.conftest import make_campaign
from tests.field.factories import campaign_toolkit, live_campaign, world
from tests.test_permission_matrix import MATRIX

pytestmark = pytest.mark.django_db

# Words that only the out-of-scope objects hold.
SECRETS = ("Willowbrook", "Orla", "Fitzpatrick", "Nightjar", "Kestrel", "Unreleased", "Merlin")


def _secret_world(org: Any) -> dict[str, Any]:
    """The field world, with the South clinic and vet renamed to names nothing else holds,
    a draft campaign with a key message and an objection, and a draft message and an
    unapproved asset of the live campaign."""
    w = world(org)
    marketing = org.users[Role.MARKETING]
    w.other_clinic.name = "Willowbrook Vets"
    w.other_clinic.save(update_fields=["name"])
    w.other_vet.first_name, w.other_vet.last_name = "Orla", "Fitzpatrick"
    w.other_vet.save(update_fields=["first_name", "last_name"])
    live = live_campaign(org)
    kestrel = cs.message_create(
        campaign=live, user=marketing, title="Kestrel claim", text="Not approved."
    )
    unreleased = cs.asset_create(
        campaign=live, user=marketing, title="Unreleased aid", kind="detail_aid", body="# x"
    ).versions.get()
    toolkit = campaign_toolkit(org)  # signs the live campaign again after the drafts
    draft = make_campaign(org, status=CampaignStatus.DRAFT, name="Project Nightjar")
    nightjar = cs.message_create(
        campaign=draft, user=marketing, title="Nightjar claim", text="Secret."
    )
    # Objections are raised from co-creation on; one in a draft's register is what the
    # demo loader or an import could hold.
    merlin = Objection.objects.create(campaign=draft, raised_by=marketing, text="Merlin: dear.")
    return {
        "w": w,
        "live": toolkit.campaign,
        "kestrel": kestrel,
        "unreleased": unreleased,
        "draft": draft,
        "nightjar": nightjar,
        "merlin": merlin,
    }


def _yesterday() -> str:
    return (timezone.now() - dt.timedelta(days=1)).isoformat()


def _api_walk(s: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], Any]]:
    """(URL name, method, URL kwargs, JSON body) with out-of-scope ids, for every write
    endpoint of the field API."""
    w, live = s["w"], s["live"]
    own, other, own_vet, other_vet = w.clinic, w.other_clinic, w.vet, w.other_vet
    activity = {"clinic_id": own.pk, "kind": "visit", "occurred_at": _yesterday()}
    training = {
        "clinic_id": own.pk,
        "campaign_id": live.pk,
        "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "format": "in_clinic",
        "attendees": [{"vet_id": own_vet.pk}],
    }
    new_clinic = {"name": "X", "region": "N", "territory": "N1", "segment": "independent_small"}
    return [
        ("api:field_clinic_create", "POST", {}, {**new_clinic, "code": other.code}),
        ("api:field_clinic_create", "POST", {}, {**new_clinic, "territory": "S1"}),
        ("api:field_clinic_update", "PATCH", {"clinic_id": other.pk}, {"name": "Y"}),
        ("api:field_clinic_update", "PATCH", {"clinic_id": own.pk}, {"territory": "S1"}),
        (
            "api:field_vet_create",
            "POST",
            {"clinic_id": own.pk},
            {"code": other_vet.code, "first_name": "A", "last_name": "B"},
        ),
        (
            "api:field_vet_create",
            "POST",
            {"clinic_id": other.pk},
            {"first_name": "A", "last_name": "B"},
        ),
        ("api:field_vet_update", "PATCH", {"vet_id": other_vet.pk}, {"first_name": "Z"}),
        ("api:field_vet_erase", "POST", {"vet_id": other_vet.pk}, {}),
        ("api:field_clinic_move", "POST", {"clinic_id": other.pk}, {"to_stage": "trial"}),
        ("api:field_vet_move", "POST", {"vet_id": other_vet.pk}, {"to_stage": "trial"}),
        ("api:field_activity_create", "POST", {}, {**activity, "vet_ids": [other_vet.pk]}),
        ("api:field_activity_create", "POST", {}, {**activity, "clinic_id": other.pk}),
        ("api:field_activity_create", "POST", {}, {**activity, "campaign_id": s["draft"].pk}),
        *(
            (
                "api:field_activity_create",
                "POST",
                {},
                {**activity, "campaign_id": live.pk, key: [s[obj].pk]},
            )
            for key, obj in (
                ("key_message_ids", "kestrel"),
                ("key_message_ids", "nightjar"),
                ("asset_version_ids", "unreleased"),
                ("objection_ids", "merlin"),
            )
        ),
        ("api:field_training_create", "POST", {}, {**training, "clinic_id": other.pk}),
        (
            "api:field_training_create",
            "POST",
            {},
            {**training, "attendees": [{"vet_id": other_vet.pk}]},
        ),
        ("api:field_training_create", "POST", {}, {**training, "campaign_id": s["draft"].pk}),
        (
            "api:field_training_create",
            "POST",
            {},
            {**training, "asset_version_ids": [s["unreleased"].pk]},
        ),
        (
            "api:field_training_scores",
            "PUT",
            {"training_id": w.training.pk},
            [{"vet_id": other_vet.pk, "pre_score": 10}],
        ),
        (
            "api:field_training_scores",
            "PUT",
            {"training_id": w.other_training.pk},
            [{"vet_id": other_vet.pk, "pre_score": 10}],
        ),
        ("api:field_import_create", "POST", {}, {}),
        ("api:field_import_mapping", "PUT", {"import_id": w.crm_import.pk}, {"mapping": {}}),
        ("api:field_import_commit", "POST", {"import_id": w.crm_import.pk}, {}),
    ]


def _form_walk(s: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(URL name, URL kwargs, form data) for the form pages that show the same refusals."""
    w = s["w"]
    own, other_vet = w.clinic, w.other_vet
    when = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    return [
        (
            "field:clinic_new",
            {},
            {
                "code": w.other_clinic.code,
                "name": "X",
                "region": own.region_id,
                "territory": own.territory_id,
                "segment": "independent_small",
                "n_vets": 1,
                "patient_volume": 0,
                "potential": 0,
            },
        ),
        (
            "field:vet_new",
            {"pk": own.pk},
            {"code": other_vet.code, "first_name": "A", "last_name": "B", "role": "associate"},
        ),
        (
            "field:activity_new",
            {"pk": own.pk},
            {
                "kind": "visit",
                "occurred_at": when,
                "vets": [other_vet.pk],
                "key_messages": [s["kestrel"].pk, s["nightjar"].pk],
                "asset_versions": [s["unreleased"].pk],
                "objections": [s["merlin"].pk],
            },
        ),
        (
            "field:training_new",
            {"pk": own.pk},
            {
                "campaign": s["draft"].pk,
                "date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
                "format": "in_clinic",
                "attendees": [other_vet.pk],
                "asset_versions": [s["unreleased"].pk],
            },
        ),
        (
            "field:training_scores",
            {"pk": w.training.pk},
            {f"pre_{other_vet.pk}": 10, f"post_{other_vet.pk}": 90},
        ),
        ("field:clinic_edit", {"pk": own.pk}, {"name": "X", "territory": w.other_clinic.pk}),
    ]


def _leaks(body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace")
    return [word for word in SECRETS if word in text]


def test_the_walk_covers_every_write_endpoint_of_the_field_api(org):
    writes = {n for n, e in MATRIX.items() if n.startswith("api:field_") and e.method != "GET"}
    walked = {name for name, *_ in _api_walk(_secret_world(org))}
    assert writes - walked == set(), "add the endpoint to _api_walk"


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.FIELD_VET, Role.SALES_MANAGER])
def test_no_refusal_of_the_field_api_names_an_object_out_of_scope(client, org, role):
    s = _secret_world(org)
    _, key = api_token_create(user=org.users[role], name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    leaked = []
    for name, method, kwargs, body in _api_walk(s):
        response = client.generic(
            method,
            reverse(name, kwargs=kwargs or None),
            data=json.dumps(body),
            content_type="application/json",
            **headers,
        )
        if _leaks(response.content):
            leaked.append((name, body, response.status_code, response.content[:300]))
    assert not leaked


def test_the_vet_code_of_another_territory_is_refused_without_its_name(client, org):
    s = _secret_world(org)
    _, key = api_token_create(user=org.users[Role.SALES_REP], name="t")
    response = client.post(
        f"/api/field/clinics/{s['w'].clinic.pk}/vets",
        {"code": s["w"].other_vet.code, "first_name": "A", "last_name": "B"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == services.ERROR_VET_CODE_TAKEN_ELSEWHERE.format(
        code=s["w"].other_vet.code
    )
    # Where the requester sees the vet, the message names them.
    _, admin_key = api_token_create(user=org.users[Role.ADMIN], name="t")
    response = client.post(
        f"/api/field/clinics/{s['w'].clinic.pk}/vets",
        {"code": s["w"].other_vet.code, "first_name": "A", "last_name": "B"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {admin_key}",
    )
    assert "Dr Orla Fitzpatrick" in response.json()["detail"]


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.FIELD_VET])
def test_no_form_page_names_an_object_out_of_scope(client, org, role):
    s = _secret_world(org)
    client.force_login(org.users[role])
    leaked = []
    for name, kwargs, data in _form_walk(s):
        response = client.post(reverse(name, kwargs=kwargs or None), data)
        if _leaks(response.content):
            leaked.append((name, response.status_code))
    assert not leaked


def test_a_mention_on_a_draft_campaign_does_not_notify_reps_or_field_vets(client, org):
    draft = make_campaign(org, status=CampaignStatus.DRAFT, name="Project Nightjar")
    rep, fv = org.users[Role.SALES_REP], org.users[Role.FIELD_VET]
    manager = org.users[Role.SALES_MANAGER]
    client.force_login(org.users[Role.MARKETING])
    response = client.post(
        reverse("campaigns:comment_add", kwargs={"slug": draft.slug}),
        {"text": f"@{rep.username} @{fv.username} @{manager.username} Merlin price is set."},
    )
    assert response.status_code < 400
    assert not Notification.objects.filter(user__in=[rep, fv]).exists()
    assert Notification.objects.filter(user=manager, text__contains="Nightjar").exists()
    for user in (rep, fv):
        client.force_login(user)
        page = client.get(reverse("campaigns:notifications"))
        assert not _leaks(page.content)
