"""The field pages as reps, managers and field vets use them, through HTTP."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory
from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.models import Objection
from onevoice.field import services
from onevoice.field.models import Activity, Clinic, CustomerTraining, TrainingAttendance, Vet
from onevoice.field.selectors import clinic_treatment_dates
from tests.campaigns.conftest import make_campaign, ready_and_signed
from tests.field.factories import campaign_toolkit, clinic, live_campaign, vet, world

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def _login(client, org, role: Role):
    client.force_login(org.users[role])
    return org.users[role]


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_rep_logs_a_customer_training_with_attendees_then_scores(client, org):
    rep = _login(client, org, Role.SALES_REP)
    campaign = live_campaign(org)
    own = clinic(org, code="CL-1", name="Oak Vets")
    ana, bo, _cy = vet(own, last_name="Ames"), vet(own, last_name="Bell"), vet(own)
    form = client.get(reverse("field:training_new", args=[own.pk]))
    assert "Vets attending" in form.content.decode()
    response = client.post(
        reverse("field:training_new", args=[own.pk]),
        {
            "campaign": campaign.pk,
            "date": YESTERDAY.isoformat(),
            "format": "in_clinic",
            "field_vet": org.users[Role.FIELD_VET].pk,
            "attendees": [ana.pk, bo.pk],
            "topic": "VHS on chest X-rays",
            "materials": "Ten X-ray cases",
        },
    )
    training = CustomerTraining.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("field:training", args=[training.pk])
    assert (training.rep, training.field_vet, training.logged_by) == (
        rep,
        org.users[Role.FIELD_VET],
        rep,
    )
    assert set(training.attendees.all()) == {ana, bo}
    assert training.campaign == campaign
    assert clinic_treatment_dates() == {"CL-1": YESTERDAY}
    assert clinic_treatment_dates(campaign_id=campaign.pk) == {"CL-1": YESTERDAY}

    response = client.post(
        reverse("field:training_scores", args=[training.pk]),
        {f"pre_{ana.pk}": "35", f"post_{ana.pk}": "80", f"pre_{bo.pk}": "", f"post_{bo.pk}": ""},
        follow=True,
    )
    assert "Test scores saved." in _text(response)
    assert TrainingAttendance.objects.get(vet=ana).post_score == 80.0
    page = _text(client.get(reverse("field:clinic", args=[own.pk])))
    assert "Not trained yet." not in page
    assert f"{YESTERDAY:%Y-%m-%d}" in page


def test_a_training_in_the_future_is_refused_with_the_reason_and_not_stored(client, org):
    _login(client, org, Role.SALES_REP)
    own = clinic(org)
    ana = vet(own)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        reverse("field:training_new", args=[own.pk]),
        {
            "campaign": live_campaign(org).pk,
            "date": tomorrow.isoformat(),
            "format": "in_clinic",
            "attendees": [ana.pk],
        },
    )
    assert response.status_code == 200
    assert "is in the future; log what has happened." in _text(response)
    assert not CustomerTraining.objects.exists()


def _field_errors(page: str, field: str) -> str:
    """The errors shown beside ``field`` (Django's list the input names as describing it)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page)
    assert match, f"no error beside {field}"
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in page
    return match.group(1)


def test_training_form_offers_the_campaigns_a_rep_may_log_for(client, org):
    _login(client, org, Role.SALES_REP)
    campaign = live_campaign(org)
    make_campaign(org, status=CampaignStatus.DRAFT, name="Unannounced launch")
    make_campaign(org, name="Co-created launch")
    own = clinic(org)
    page = _text(client.get(reverse("field:training_new", args=[own.pk])))
    assert '<select name="campaign"' in page
    assert f'<option value="{campaign.pk}" selected>Heart launch</option>' in page
    assert "Unannounced launch" not in page
    assert "Co-created launch" not in page, "co-creation has not reached the field"


def test_an_invalid_campaign_re_renders_the_form_with_the_error_beside_it(client, org):
    _login(client, org, Role.SALES_REP)
    live_campaign(org)
    draft = make_campaign(org, status=CampaignStatus.DRAFT, name="Unannounced launch")
    own = clinic(org)
    ana = vet(own)
    data = {
        "campaign": draft.pk,
        "date": YESTERDAY.isoformat(),
        "format": "webinar",
        "attendees": [ana.pk],
        "topic": "VHS on chest X-rays",
    }
    response = client.post(reverse("field:training_new", args=[own.pk]), data)
    assert response.status_code == 200
    page = _text(response)
    assert "Select a valid choice" in _field_errors(page, "campaign")
    assert "Unannounced launch" not in page
    assert 'value="VHS on chest X-rays"' in page, "the input is kept"
    assert 'value="webinar" selected' in page
    assert not CustomerTraining.objects.exists()
    response = client.post(reverse("field:training_new", args=[own.pk]), {**data, "campaign": ""})
    assert "This field is required." in _field_errors(_text(response), "campaign")


def test_a_date_outside_the_campaign_shows_the_window_beside_the_campaign(client, org):
    _login(client, org, Role.SALES_REP)
    campaign = live_campaign(org)
    own = clinic(org)
    early = campaign.start_date - dt.timedelta(days=1)
    response = client.post(
        reverse("field:training_new", args=[own.pk]),
        {
            "campaign": campaign.pk,
            "date": early.isoformat(),
            "format": "in_clinic",
            "attendees": [vet(own).pk],
        },
    )
    assert response.status_code == 200
    errors = _field_errors(_text(response), "campaign")
    assert f"is outside the window of Heart launch, {campaign.start_date.isoformat()}" in errors
    assert not CustomerTraining.objects.exists()


def test_training_pages_show_the_campaign_and_the_list_filters_by_it(client, org):
    w = world(org)
    second = ready_and_signed(org, make_campaign(org, name="Second launch"))
    rep = _login(client, org, Role.SALES_REP)
    other = services.training_log(
        campaign=second,
        by=rep,
        rep=rep,
        clinic=w.clinic,
        date=dt.date(2026, 11, 20),
        format="in_clinic",
        attendees=[w.vet],
    )
    detail = _text(client.get(reverse("field:training", args=[w.training.pk])))
    assert 'data-testid="campaign"><a href="/campaigns/' in detail
    assert "Heart launch" in detail
    listed = _text(client.get(reverse("field:trainings")))
    assert "Heart launch" in listed
    assert "Second launch" in listed
    only = _text(client.get(reverse("field:trainings") + f"?campaign={second.slug}"))
    assert reverse("field:training", args=[other.pk]) in only
    assert reverse("field:training", args=[w.training.pk]) not in only
    assert f'<option value="{second.slug}" selected>Second launch</option>' in only
    draft = make_campaign(org, status=CampaignStatus.DRAFT, name="Unannounced launch")
    hidden = client.get(reverse("field:trainings") + f"?campaign={draft.slug}")
    assert hidden.status_code == 404, "a rep cannot filter by a draft campaign"
    clinic_page = _text(client.get(reverse("field:clinic", args=[w.clinic.pk])))
    assert "Second launch" in clinic_page


def test_editing_a_training_moves_it_to_another_campaign(client, org):
    w = world(org)
    second = ready_and_signed(org, make_campaign(org, name="Second launch"))
    _login(client, org, Role.SALES_REP)
    url = reverse("field:training_edit", args=[w.training.pk])
    page = _text(client.get(url))
    assert f'<option value="{w.training.campaign_id}" selected>Heart launch</option>' in page
    data = {
        "campaign": second.pk,
        "date": "2026-11-20",
        "format": "in_clinic",
        "field_vet": org.users[Role.FIELD_VET].pk,
        "attendees": [w.vet.pk],
    }
    assert client.post(url, data).status_code == 302
    w.training.refresh_from_db()
    assert (w.training.campaign, w.training.date) == (second, dt.date(2026, 11, 20))


def test_a_training_placed_in_a_draft_campaign_does_not_show_its_name_to_reps(client, org):
    """Migration 0011 may have put an old training in a draft campaign's window."""
    w = world(org)
    draft = make_campaign(org, status=CampaignStatus.DRAFT, name="Unannounced launch")
    CustomerTraining.objects.filter(pk=w.training.pk).update(campaign=draft)
    for role, shown in ((Role.SALES_REP, False), (Role.MARKETING, True)):
        _login(client, org, role)
        pages = [
            reverse("field:training", args=[w.training.pk]),
            reverse("field:trainings"),
            reverse("field:clinic", args=[w.clinic.pk]),
            reverse("field:vet", args=[w.vet.pk]),
        ]
        for url in pages:
            assert ("Unannounced launch" in _text(client.get(url))) is shown, (role, url)


def test_scores_out_of_range_are_refused_on_the_form(client, org):
    w = world(org)
    _login(client, org, Role.FIELD_VET)
    response = client.post(
        reverse("field:training_scores", args=[w.training.pk]),
        {f"pre_{w.vet.pk}": "120", f"post_{w.vet.pk}": "80"},
    )
    assert response.status_code == 200
    assert "less than or equal to 100" in _text(response)
    assert TrainingAttendance.objects.get(training=w.training).pre_score is None


def test_rep_logs_a_visit_with_the_campaign_in_play(client, org):
    rep = _login(client, org, Role.SALES_REP)
    kit = campaign_toolkit(org)
    own = clinic(org)
    ana = vet(own)
    form = _text(client.get(reverse("field:activity_new", args=[own.pk])))
    assert "Treat at B2" in form
    assert "Draft" not in form, "reps choose among approved messages only"
    assert "My clients won&#x27;t pay for it." in form
    response = client.post(
        reverse("field:activity_new", args=[own.pk]),
        {
            "kind": "visit",
            "occurred_at": (timezone.now() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "vets": [ana.pk],
            "summary": "Walked through the VHS aid.",
            "next_step": "Book an in-clinic training",
            "key_messages": [kit.message.pk],
            "asset_versions": [kit.version.pk],
            "objections": [kit.objection.pk],
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.rep, activity.campaign) == (rep, kit.campaign)
    assert Objection.objects.get(pk=kit.objection.pk).times_heard == 1
    detail = _text(client.get(reverse("field:activity", args=[activity.pk])))
    assert "Treat at B2" in detail
    assert "VHS detail aid v1" in detail
    assert "Book an in-clinic training" in detail


def test_rep_moves_a_vet_up_the_ladder_and_sees_the_history(client, org):
    _login(client, org, Role.SALES_REP)
    own = clinic(org)
    ana = vet(own)
    url = reverse("field:vet_ladder", args=[ana.pk])
    client.post(url, {"to_stage": "aware", "note": "after the visit"})
    response = client.post(url, {"to_stage": "aware"}, follow=True)
    assert "is already at stage Aware." in _text(response)
    client.post(url, {"to_stage": "trial", "note": "first prescription"})
    assert Vet.objects.get(pk=ana.pk).stage == "trial"
    page = _text(client.get(reverse("field:clinic", args=[own.pk])))
    history = page[page.index("Ladder history") :]
    assert history.index("first prescription") < history.index("after the visit")


def test_clinic_edit_keeps_a_rep_in_their_territories(client, org):
    _login(client, org, Role.SALES_REP)
    own = clinic(org)
    page = _text(client.get(reverse("field:clinic_edit", args=[own.pk])))
    assert "N1 North one" in page
    assert "S1 South one" not in page
    data = {
        "name": "Oak Vets renamed",
        "address": "",
        "city": "Leeds",
        "region": org.north.pk,
        "territory": org.territory_other.pk,
        "segment": "independent_small",
        "n_vets": 2,
        "patient_volume": 100,
        "potential": 5,
    }
    response = client.post(reverse("field:clinic_edit", args=[own.pk]), data)
    assert "Select a valid choice" in _text(response)
    data["territory"] = org.territory_own.pk
    response = client.post(reverse("field:clinic_edit", args=[own.pk]), data)
    assert response.status_code == 302
    assert Clinic.objects.get(pk=own.pk).name == "Oak Vets renamed"


def test_rep_territory_page_ranks_targets_and_suggests_untrained_clinics(client, org):
    rep = _login(client, org, Role.SALES_REP)
    big = clinic(org, code="CL-BIG", name="Big Vets", potential=30)
    clinic(org, code="CL-MID", name="Mid Vets", potential=20)
    small = clinic(org, code="CL-SMALL", name="Small Vets", potential=10)
    clinic(org, org.territory_other, code="CL-ELSEWHERE", name="Elsewhere Vets", potential=99)
    services.training_log(
        campaign=live_campaign(org),
        by=rep,
        rep=rep,
        clinic=big,
        date=YESTERDAY,
        format="in_clinic",
        attendees=[vet(big)],
    )
    services.activity_log(
        by=rep, clinic=small, kind="call", occurred_at=timezone.now() - dt.timedelta(days=2)
    )
    services.ladder_move(by=rep, clinic=small, to_stage="trial")
    page = _text(client.get(reverse("field:territory", args=["N1"])))
    assert "Elsewhere Vets" not in page
    targets = page[page.index("Target clinics") :]
    assert targets.index("Big Vets") < targets.index("Mid Vets") < targets.index("Small Vets")
    suggested = page[page.index("Train next") : page.index("Target clinics")]
    assert "Big Vets" not in suggested, "trained clinics are not suggested"
    assert suggested.index("Mid Vets") < suggested.index("Small Vets")
    assert "1 / 3" in page  # clinics trained
    by_stage = _text(client.get(reverse("field:territory", args=["N1"]) + "?sort=stage"))
    ranked = by_stage[by_stage.index("Target clinics") :]
    assert ranked.index("Small Vets") < ranked.index("Big Vets")
    assert "Call " in targets  # what was done last, for Small Vets


def test_manager_sees_the_whole_team_and_not_the_other(client, org):
    second = Territory.objects.create(
        code="N2", name="North two", region=org.north, team=org.team_north, rep=org.other_rep
    )
    clinic(org, code="CL-A", name="Alpha Vets", potential=8)
    clinic(org, second, code="CL-B", name="Beta Vets", potential=12)
    clinic(org, org.territory_other, code="CL-C", name="Gamma Vets", potential=50)
    _login(client, org, Role.SALES_MANAGER)
    page = _text(client.get(reverse("field:territories")))
    assert 'data-territory="N1"' in page
    assert 'data-territory="N2"' in page
    assert 'data-territory="S1"' not in page
    suggested = page[page.index("Suggested next clinics") :]
    assert suggested.index("Beta Vets") < suggested.index("Alpha Vets")
    assert "Gamma Vets" not in page


def test_field_vet_finds_the_trainings_they_co_delivered(client, org):
    w = world(org)
    _login(client, org, Role.FIELD_VET)
    page = _text(client.get(reverse("field:trainings") + "?mine=codelivered"))
    assert reverse("field:training", args=[w.training.pk]) in page
    home = _text(client.get(reverse("home")))
    assert reverse("field:trainings") + "?mine=codelivered" in home


def test_rep_home_links_to_the_territory_page(client, org):
    _login(client, org, Role.SALES_REP)
    clinic(org, name="Oak Vets", potential=9)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("field:territory", args=["N1"])}"' in page
    assert "Oak Vets" in page


def test_admin_exports_and_erases_a_vet(client, org):
    w = world(org)
    _login(client, org, Role.ADMIN)
    export = client.get(reverse("field:vet_export", args=[w.vet.pk]))
    assert export["Content-Disposition"] == f'attachment; filename="vet-{w.vet.code}.json"'
    assert export.json()["email"] == w.vet.email
    response = client.post(reverse("field:vet_erase", args=[w.vet.pk]), follow=True)
    assert "erased; their counts remain" in _text(response)
    assert Vet.objects.get(pk=w.vet.pk).email == ""
    assert TrainingAttendance.objects.filter(vet=w.vet).exists()


# ---------------------------------------------------------------- queries per page


def _crowd(org, n: int = 25):
    """n clinics in N1, each with two vets, a training and an activity."""
    rep = org.users[Role.SALES_REP]
    kit = campaign_toolkit(org)
    for i in range(n):
        c = clinic(org, code=f"CL-{i:03}", potential=i)
        vets = [vet(c), vet(c)]
        services.training_log(
            campaign=live_campaign(org),
            by=rep,
            rep=rep,
            clinic=c,
            date=YESTERDAY,
            format="in_clinic",
            attendees=vets,
        )
        services.activity_log(
            by=rep,
            clinic=c,
            kind="visit",
            occurred_at=timezone.now() - dt.timedelta(hours=i + 1),
            vets=vets,
            campaign=kit.campaign,
            key_messages=[kit.message],
            objections=[kit.objection],
        )
    return c


@pytest.mark.parametrize(
    ("name", "kwargs", "role", "limit"),
    [
        # 25 clinics, each with vets, a training and an activity: limits well below that.
        ("field:clinics", None, Role.SALES_REP, 12),
        ("field:clinics", None, Role.ANALYST, 12),
        ("field:territories", None, Role.SALES_MANAGER, 15),
        ("field:territory", {"code": "N1"}, Role.SALES_REP, 17),
        ("field:activities", None, Role.SALES_REP, 10),
        ("field:trainings", None, Role.SALES_REP, 9),
    ],
)
def test_list_pages_do_not_query_per_row(
    client, org, django_assert_max_num_queries, name, kwargs, role, limit
):
    _crowd(org)
    client.force_login(org.users[role])
    url = reverse(name, kwargs=kwargs)
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200


def test_clinic_page_does_not_query_per_row(client, org, django_assert_max_num_queries):
    last = _crowd(org, n=3)
    for _ in range(10):
        services.activity_log(
            by=org.users[Role.SALES_REP], clinic=last, kind="call", occurred_at=timezone.now()
        )
    _login(client, org, Role.SALES_REP)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("field:clinic", args=[last.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "model", ["clinic", "vet", "customertraining", "activity", "laddermove", "crmimport"]
)
def test_admin_site_lists_field_data_read_only(client, org, model):
    w = world(org)
    _login(client, org, Role.ADMIN)
    assert client.get(reverse(f"admin:field_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:field_{model}_add")).status_code == 403
    if model == "clinic":
        change = client.post(reverse("admin:field_clinic_change", args=[w.clinic.pk]), {})
        assert change.status_code == 403


# ---------------------------------------------------------------- territory overview, paged


def _territories(org, n: int) -> list[Territory]:
    """n more territories in the manager's team, T01..Tn, each with one clinic."""
    made = []
    for i in range(1, n + 1):
        t = Territory.objects.create(
            code=f"T{i:02}", name=f"Moor {i:02}", region=org.north, team=org.team_north
        )
        clinic(org, t, code=f"CL-T{i:02}", potential=float(i))
        made.append(t)
    return made


def _codes(page: str) -> list[str]:
    return re.findall(r'data-territory="([^"]+)"', page)


def test_manager_pages_the_territory_overview_fifty_at_a_time(client, org):
    _territories(org, 60)  # with N1: 61 territories
    _login(client, org, Role.SALES_MANAGER)
    first = _text(client.get(reverse("field:territories")))
    second = _text(client.get(reverse("field:territories") + "?page=2"))
    assert _codes(first) == ["N1", *(f"T{i:02}" for i in range(1, 50))]
    assert _codes(second) == [f"T{i:02}" for i in range(50, 61)]
    assert "Page 2 of 2 (61 in all)" in second


def test_territory_overview_ranks_by_attention_and_pages_keep_the_search(client, org):
    made = _territories(org, 55)
    rep = org.users[Role.SALES_REP]
    # Every territory trained but T07, and T03's clinic half trained (two clinics).
    for t in made:
        if t.code != "T07":
            c = Clinic.objects.get(territory=t)
            services.training_log(
                campaign=live_campaign(org),
                by=rep,
                rep=rep,
                clinic=c,
                date=YESTERDAY,
                format="in_clinic",
                attendees=[vet(c)],
            )
    clinic(org, made[2], code="CL-T03-B", potential=1.0)
    _login(client, org, Role.SALES_MANAGER)
    ranked = _codes(_text(client.get(reverse("field:territories") + "?sort=attention")))
    # N1 has no clinic: last, on page 2.
    assert ranked[:2] == ["T07", "T03"]
    searched = _text(client.get(reverse("field:territories") + "?q=moor&sort=attention"))
    assert "N1" not in _codes(searched)
    assert "q=moor&amp;sort=attention&amp;page=2" in searched
    page_two = _text(client.get(reverse("field:territories") + "?q=moor&sort=attention&page=2"))
    assert _codes(page_two) == sorted(t.code for t in made if t.code not in {"T07", "T03"})[48:]


def test_territory_overview_search_finds_a_territory_by_its_rep(client, org):
    _territories(org, 3)
    _login(client, org, Role.SALES_MANAGER)
    rep = org.users[Role.SALES_REP]
    page = _text(client.get(reverse("field:territories") + f"?q={rep.username}"))
    assert _codes(page) == ["N1"]
    nothing = _text(client.get(reverse("field:territories") + "?q=nowhere"))
    assert "No territory matches “nowhere”." in nothing
