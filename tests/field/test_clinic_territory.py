"""Moving a clinic to another territory is the team manager's or head office's (issue 17,
finding 3): a rep once emptied their own clinic's territory through the API, which hid
it from themselves and their manager."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory
from onevoice.accounts.services import api_token_create
from onevoice.field import permissions as perms
from onevoice.field.models import Clinic
from tests.field.factories import clinic

pytestmark = pytest.mark.django_db


def _second_north_territory(org) -> Territory:
    return Territory.objects.create(
        code="N2",
        name="North two",
        region=org.north,
        team=org.team_north,
        rep=org.users[Role.SALES_REP],
    )


def _patch(client, org, role, clinic_pk, body):
    user = org.users[role] if isinstance(role, Role) else role
    _, key = api_token_create(user=user, name="t")
    return client.patch(
        f"/api/field/clinics/{clinic_pk}",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


@pytest.mark.parametrize("territory", [None, "N2", "S1"])
def test_a_rep_cannot_empty_or_change_their_clinics_territory(client, org, territory):
    _second_north_territory(org)
    own = clinic(org)
    response = _patch(client, org, Role.SALES_REP, own.pk, {"territory": territory})
    assert response.status_code == 403
    assert response.json()["detail"] == perms.ERROR_CLINIC_MOVE_DENIED
    assert Clinic.objects.get(pk=own.pk).territory == org.territory_own
    # The clinic stays in sight of the rep and their manager.
    assert _patch(client, org, Role.SALES_REP, own.pk, {"potential": 3}).status_code == 200


def test_a_rep_may_resend_the_territory_the_clinic_already_has(client, org):
    own = clinic(org)
    response = _patch(client, org, Role.SALES_REP, own.pk, {"territory": "N1", "city": "Hull"})
    assert response.status_code == 200
    assert Clinic.objects.get(pk=own.pk).city == "Hull"


def test_the_team_manager_moves_a_clinic_between_the_teams_territories_only(client, org):
    _second_north_territory(org)
    own = clinic(org)
    for target in ("S1", None):
        response = _patch(client, org, Role.SALES_MANAGER, own.pk, {"territory": target})
        assert response.status_code == 403, target
    # The manager moves territories, not the rest of the clinic's data.
    assert _patch(client, org, Role.SALES_MANAGER, own.pk, {"city": "X"}).status_code == 403
    response = _patch(client, org, Role.SALES_MANAGER, own.pk, {"territory": "N2"})
    assert response.status_code == 200
    assert Clinic.objects.get(pk=own.pk).territory.code == "N2"
    # The other team's manager cannot even see it.
    other = _patch(client, org, org.other_manager, own.pk, {"territory": "S1"})
    assert other.status_code == 403


def test_an_administrator_moves_a_clinic_anywhere_or_out_of_every_territory(client, org):
    own = clinic(org)
    body = {"territory": "S1", "region": "S"}
    assert _patch(client, org, Role.ADMIN, own.pk, body).status_code == 200
    assert _patch(client, org, Role.ADMIN, own.pk, {"territory": None}).status_code == 200
    assert Clinic.objects.get(pk=own.pk).territory is None


@pytest.mark.parametrize("role", [Role.FIELD_VET, Role.MARKETING, Role.ANALYST, Role.REVIEWER])
def test_other_roles_cannot_move_a_clinic(client, org, role):
    own = clinic(org)
    assert _patch(client, org, role, own.pk, {"territory": "S1"}).status_code == 403
    assert Clinic.objects.get(pk=own.pk).territory == org.territory_own


def test_the_reps_edit_form_offers_only_the_clinics_territory(client, org):
    _second_north_territory(org)
    own = clinic(org)
    client.force_login(org.users[Role.SALES_REP])
    page = client.get(reverse("field:clinic_edit", args=[own.pk])).content.decode()
    select = page[
        page.index('name="territory"') : page.index("</select>", page.index('name="territory"'))
    ]
    assert "---------" not in select
    assert "N1 North one" in select
    assert "N2 North two" not in select
    data = {
        "name": "Oak",
        "city": "Leeds",
        "region": org.north.pk,
        "segment": "independent_small",
        "n_vets": 2,
        "patient_volume": 0,
        "potential": 5,
    }
    for territory in ("", Territory.objects.get(code="N2").pk):
        response = client.post(
            reverse("field:clinic_edit", args=[own.pk]), {**data, "territory": territory}
        )
        assert response.status_code == 200
        assert Clinic.objects.get(pk=own.pk).territory == org.territory_own
    client.force_login(org.users[Role.ADMIN])
    page = client.get(reverse("field:clinic_edit", args=[own.pk])).content.decode()
    assert "---------" in page
    assert "S1 South one" in page
