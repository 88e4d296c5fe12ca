"""Downloads of personal data are never kept by a browser or a proxy cache (issue 17).

A vet's data-subject export, the CRM import's refused rows (vets' names, e-mails and
phones as the CRM had them), the audit trail and the reps' readiness CSV carry people's
data; each is served ``Cache-Control: no-store`` and ``Pragma: no-cache`` so a shared
machine's browser cache or a caching proxy keeps no copy.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.accounts.services import api_token_create
from tests.field.factories import world
from tests.training.factories import make_program

pytestmark = pytest.mark.django_db


def _downloads(org):  # type: ignore[no-untyped-def]
    w = world(org)
    program = make_program(org).program
    admin, mkt = org.users[Role.ADMIN], org.users[Role.MARKETING]
    return [
        (admin, reverse("field:vet_export", args=[w.vet.pk])),
        (admin, reverse("field:import_report", args=[w.crm_import.pk])),
        (admin, reverse("accounts:audit") + "?format=csv"),
        (mkt, reverse("training:readiness", args=[program.pk]) + "?format=csv"),
    ]


def _assert_not_stored(response, what: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, (what, response.status_code)
    assert "no-store" in response.get("Cache-Control", ""), (what, response.headers)
    assert response.get("Pragma") == "no-cache", (what, response.headers)


def test_every_download_of_personal_data_is_no_store(client, org):
    downloads = _downloads(org)
    for who, url in downloads:
        client.force_login(who)
        response = client.get(url)
        assert "attachment" in response.get("Content-Disposition", ""), url
        _assert_not_stored(response, url)


def test_the_api_export_of_a_vet_is_no_store(client, org):
    w = world(org)
    _, key = api_token_create(user=org.users[Role.ADMIN], name="t")
    url = f"/api/field/vets/{w.vet.pk}/personal-data"
    response = client.get(url, headers={"Authorization": f"Bearer {key}"})
    _assert_not_stored(response, url)
    assert response.json()["code"] == w.vet.code
