"""Training permissions: the list filters say what the object checks say, role by role."""

from __future__ import annotations

import pytest

from onevoice.accounts.choices import Role
from onevoice.training import permissions as perms
from onevoice.training import services
from onevoice.training.models import Enrolment, KitInvitation, Program
from tests.field.factories import world
from tests.training.factories import make_program


@pytest.fixture
def t(org):
    return make_program(org)


def _everyone(org):
    return [*org.users.values(), org.other_manager, org.other_rep]


def test_results_scope_matches_can_view_results_of(org, t):
    for user in _everyone(org):
        listed = set(
            Enrolment.objects.filter(perms.results_scope(user=user)).values_list(
                "rep_id", flat=True
            )
        )
        for enrolment in Enrolment.objects.all():
            expected = perms.can_view_results_of(user=user, rep_id=enrolment.rep_id)
            assert (enrolment.rep_id in listed) == expected, (user.username, enrolment.rep)


def test_program_scope_matches_can_view_program(org, t):
    draft = services.program_create(
        user=org.users[Role.MARKETING],
        campaign=t.campaign,
        title="Next year's program",
        prework_opens=t.program.prework_opens,
        prework_due=t.program.prework_due,
    )
    services.enrol_team(program=draft, user=None, team=org.team_north)
    for user in _everyone(org):
        listed = set(
            Program.objects.filter(perms.program_scope(user=user)).values_list("pk", flat=True)
        )
        for program in (t.program, draft):
            assert (program.pk in listed) == perms.can_view_program(user=user, program=program)
    # Enrolled in a draft is not enough for a rep to see it.
    assert not perms.can_view_program(user=t.rep, program=draft)


def test_invitation_scope_by_role(org, t):
    w = world(org)
    kit = services.kit_create(
        campaign=t.campaign, user=org.users[Role.MARKETING], title="K", questions=[t.q_single]
    )
    ((invitation, _),) = services.kit_invite(kit=kit, user=t.rep, training=w.training, vets=[w.vet])
    sees = {
        u.username: KitInvitation.objects.filter(perms.invitation_scope(user=u)).exists()
        for u in _everyone(org)
    }
    assert sees == {
        "marketing": True,
        "sales_manager": True,  # the rep's manager
        "sales_rep": True,  # sent it
        "field_vet": True,  # co-delivered the training
        "reviewer": False,
        "analyst": True,
        "admin": True,
        "manager_south": False,
        "rep_south": False,
    }
    assert perms.can_view_invitation(user=t.rep, invitation=invitation)


def test_who_scores_a_roleplay_as_trainer(org, t):
    roleplay = services.roleplay_create(
        scenario=t.scenario, rep=t.rep, user=org.users[Role.FIELD_VET], seminar=t.seminar
    )
    trainers = {
        u.username for u in _everyone(org) if perms.can_score_as_trainer(user=u, roleplay=roleplay)
    }
    assert trainers == {"field_vet", "sales_manager"}  # the seminar's trainer, the rep's manager
    selves = {u.username for u in _everyone(org) if perms.can_self_score(user=u, roleplay=roleplay)}
    assert selves == {"sales_rep"}
