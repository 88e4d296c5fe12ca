"""Who sees and changes which clinics, vets, activities and trainings: every role, in
its own territory and in another, through the permission functions and the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.field import permissions as perms
from onevoice.field.models import Clinic
from onevoice.field.selectors import activity_list, clinic_list, training_list
from tests.field.factories import clinic, world

pytestmark = pytest.mark.django_db

R = Role
# Who may see a clinic of territory N1 (own) and of S1 (other); the field vet works North.
SEES = {
    R.MARKETING: (True, True),
    R.SALES_MANAGER: (True, False),
    R.SALES_REP: (True, False),
    R.FIELD_VET: (True, False),
    R.REVIEWER: (False, False),
    R.ANALYST: (True, True),
    R.ADMIN: (True, True),
}
CHANGES_CLINIC = {R.SALES_REP: (True, False), R.ADMIN: (True, True)}
LOGS_WORK = {R.SALES_REP: (True, False)}
CHANGES_TRAINING = {R.SALES_REP: (True, False), R.FIELD_VET: (True, False)}
ERASES = {R.ADMIN: (True, True)}


def _expect(table, role):
    return table.get(role, (False, False))


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_and_changes_exactly_its_territories(org, role):
    w = world(org)
    user = org.users[role]
    for i, (c, v, a, t) in enumerate(
        [
            (w.clinic, w.vet, w.activity, w.training),
            (w.other_clinic, w.other_vet, w.other_activity, w.other_training),
        ]
    ):
        assert perms.can_view_clinic(user=user, clinic=c) is SEES[role][i]
        assert perms.can_view_vet(user=user, vet=v) is SEES[role][i]
        assert perms.can_view_activity(user=user, activity=a) is SEES[role][i]
        assert perms.can_view_training(user=user, training=t) is SEES[role][i]
        assert perms.can_change_clinic(user=user, clinic=c) is _expect(CHANGES_CLINIC, role)[i]
        assert perms.can_change_vet(user=user, vet=v) is _expect(CHANGES_CLINIC, role)[i]
        assert perms.can_add_vet(user=user, clinic=c) is _expect(CHANGES_CLINIC, role)[i]
        assert perms.can_add_activity(user=user, clinic=c) is _expect(LOGS_WORK, role)[i]
        assert perms.can_change_activity(user=user, activity=a) is _expect(LOGS_WORK, role)[i]
        assert perms.can_add_training(user=user, clinic=c) is _expect(LOGS_WORK, role)[i]
        assert perms.can_move_on_ladder(user=user, clinic=c) is _expect(LOGS_WORK, role)[i]
        assert perms.can_erase_vet(user=user, vet=v) is _expect(ERASES, role)[i]
    # Field vets complete only the trainings they co-delivered (the own one, not the other).
    assert (
        perms.can_change_training(user=user, training=w.training)
        is _expect(CHANGES_TRAINING, role)[0]
    )
    assert perms.can_change_training(user=user, training=w.other_training) is False
    assert perms.can_import(user=user) is (role == R.ADMIN)


def test_a_field_vet_cannot_change_a_training_they_did_not_co_deliver(org):
    w = world(org)
    w.training.field_vet = None
    w.training.save(update_fields=["field_vet"])
    assert not perms.can_change_training(user=org.users[R.FIELD_VET], training=w.training)
    assert perms.can_view_training(user=org.users[R.FIELD_VET], training=w.training)


def test_a_clinic_without_territory_is_head_office_and_regional_field_vets_only(org):
    loose = clinic(org, code="CL-LOOSE")
    loose.territory = None
    loose.save(update_fields=["territory"])
    loose = Clinic.objects.select_related("territory").get(pk=loose.pk)
    seen = {r for r in Role if perms.can_view_clinic(user=org.users[r], clinic=loose)}
    assert seen == {R.MARKETING, R.ANALYST, R.ADMIN, R.FIELD_VET}
    assert perms.can_add_clinic(user=org.users[R.ADMIN], territory=None)
    assert not perms.can_add_clinic(user=org.users[R.SALES_REP], territory=None)
    assert perms.can_add_clinic(user=org.users[R.SALES_REP], territory=org.territory_own)
    assert not perms.can_add_clinic(user=org.users[R.SALES_REP], territory=org.territory_other)


@pytest.mark.parametrize("role", list(Role))
def test_list_scopes_match_the_permission_functions(org, role):
    """The lists show exactly the rows the access functions let the user open."""
    w = world(org)
    loose = clinic(org, code="CL-LOOSE")
    Clinic.objects.filter(pk=loose.pk).update(territory=None)
    user = org.users[role]
    listed = set(clinic_list(user=user).values_list("pk", flat=True))
    allowed = {
        c.pk
        for c in Clinic.objects.select_related("territory__team")
        if perms.can_view_clinic(user=user, clinic=c)
    }
    assert listed == allowed
    assert set(activity_list(user=user)) == {
        a for a in (w.activity, w.other_activity) if perms.can_view_activity(user=user, activity=a)
    }
    assert set(training_list(user=user)) == {
        t for t in (w.training, w.other_training) if perms.can_view_training(user=user, training=t)
    }


# The other territory's objects, page by page: who may open them.
OTHER_PAGES = [
    ("field:clinic", "other_clinic"),
    ("field:vet", "other_vet"),
    ("field:activity", "other_activity"),
    ("field:training", "other_training"),
]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "attr"), OTHER_PAGES)
def test_pages_of_another_territory(client, org, role, name, attr):
    w = world(org)
    client.force_login(org.users[role])
    response = client.get(reverse(name, args=[getattr(w, attr).pk]))
    assert response.status_code == (200 if SEES[role][1] else 403)


OTHER_CHANGES = [
    ("field:clinic_edit", "other_clinic", {}),
    ("field:vet_new", "other_clinic", {}),
    ("field:activity_new", "other_clinic", {}),
    ("field:training_new", "other_clinic", {}),
    ("field:vet_edit", "other_vet", {}),
    ("field:activity_edit", "other_activity", {}),
    ("field:training_edit", "other_training", {}),
    ("field:training_scores", "other_training", {}),
]


@pytest.mark.parametrize(("name", "attr", "data"), OTHER_CHANGES)
def test_rep_and_field_vet_cannot_change_another_territory(client, org, name, attr, data):
    w = world(org)
    for role in (R.SALES_REP, R.FIELD_VET, R.SALES_MANAGER):
        client.force_login(org.users[role])
        url = reverse(name, args=[getattr(w, attr).pk])
        assert client.get(url).status_code == 403, (role, name)
        assert client.post(url, data).status_code == 403, (role, name)


def test_rep_cannot_move_another_territorys_clinic_on_the_ladder(client, org):
    w = world(org)
    client.force_login(org.users[R.SALES_REP])
    url = reverse("field:clinic_ladder", args=[w.other_clinic.pk])
    assert client.post(url, {"to_stage": "trial"}).status_code == 403
    w.other_clinic.refresh_from_db()
    assert w.other_clinic.stage == "unaware"


@pytest.mark.parametrize("role", list(Role))
def test_territory_page_of_the_other_team(client, org, role):
    client.force_login(org.users[role])
    response = client.get(reverse("field:territory", args=["S1"]))
    assert response.status_code == (200 if SEES[role][1] else 403)
