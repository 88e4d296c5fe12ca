"""Field services: the rules of activities, customer trainings, the ladder, privacy and
the campaign links, and the audit row each change writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent
from onevoice.campaigns import services as campaign_services
from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.models import AssetUse, Objection
from onevoice.field import selectors, services
from onevoice.field.models import (
    Activity,
    Clinic,
    CustomerTraining,
    LadderMove,
    TrainingAttendance,
    Vet,
)
from onevoice.field.services import FieldRuleError
from tests.campaigns.conftest import make_campaign, ready_and_signed
from tests.field.factories import campaign_toolkit, clinic, live_campaign, vet

pytestmark = pytest.mark.django_db

NOW = timezone.now
YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def rep(org):
    return org.users[Role.SALES_REP]


@pytest.fixture
def own(org):
    return clinic(org, code="CL-OWN")


@pytest.fixture
def campaign(org):
    return live_campaign(org)


def test_clinic_code_never_changes_and_territory_must_be_in_region(org, own, rep):
    with pytest.raises(FieldRuleError, match="'code' cannot be changed here"):
        services.clinic_update(clinic=own, by=rep, changes={"code": "X"})
    with pytest.raises(FieldRuleError, match="Territory S1 is in region South, not North"):
        services.clinic_update(clinic=own, by=rep, changes={"territory": org.territory_other})
    old_name = own.name
    services.clinic_update(clinic=own, by=rep, changes={"potential": 12.0, "name": "Oak"})
    event = AuditEvent.objects.get(action="clinic.update")
    assert (event.actor, event.before, event.after) == (
        rep,
        {"potential": 5.0, "name": old_name},
        {"potential": 12.0, "name": "Oak"},
    )


def test_clinic_create_makes_up_a_code_and_refuses_a_taken_one(org, rep):
    made = services.clinic_create(
        by=rep, name="New", region=org.north, territory=org.territory_own, segment="corporate_group"
    )
    assert made.code.startswith("CL-")
    with pytest.raises(FieldRuleError, match=f"A clinic with code '{made.code.lower()}'"):
        services.clinic_create(
            by=rep,
            code=made.code.lower(),
            name="Again",
            region=org.north,
            segment="corporate_group",
        )


# ---------------------------------------------------------------- activities


def test_activity_is_logged_with_the_vets_met_and_audited(own, rep, org):
    ana = vet(own)
    activity = services.activity_log(
        by=rep,
        clinic=own,
        kind="visit",
        occurred_at=NOW() - dt.timedelta(hours=2),
        vets=[ana],
        field_vet=org.users[Role.FIELD_VET],
        summary="Showed the VHS method.",
    )
    assert list(activity.vets.all()) == [ana]
    event = AuditEvent.objects.get(action="activity.log")
    assert event.actor == rep
    assert event.after["vets"] == [ana.pk]


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (lambda: NOW() + dt.timedelta(days=1), "is in the future; log what has happened"),
        (lambda: dt.datetime(2026, 1, 1, 10, 0), "must carry a time zone"),
    ],
)
def test_activity_time_must_be_past_and_aware(own, rep, when, message):
    with pytest.raises(FieldRuleError, match=message):
        services.activity_log(by=rep, clinic=own, kind="call", occurred_at=when())
    assert not Activity.objects.exists()


def test_activity_vets_work_at_the_clinic_and_field_vet_is_one(org, own, rep):
    elsewhere = vet(clinic(org, code="CL-2"))
    with pytest.raises(FieldRuleError, match="works at"):
        services.activity_log(by=rep, clinic=own, kind="visit", occurred_at=NOW(), vets=[elsewhere])
    with pytest.raises(FieldRuleError, match="is not a technical field vet"):
        services.activity_log(
            by=rep, clinic=own, kind="visit", occurred_at=NOW(), field_vet=org.other_rep
        )


def test_objections_heard_add_to_the_register_and_assets_used_are_recorded(org, own, rep):
    kit = campaign_toolkit(org)
    activity = services.activity_log(
        by=rep,
        clinic=own,
        kind="visit",
        occurred_at=NOW(),
        campaign=kit.campaign,
        key_messages=[kit.message],
        asset_versions=[kit.version],
        objections=[kit.objection],
    )
    assert Objection.objects.get(pk=kit.objection.pk).times_heard == 1
    use = AssetUse.objects.get()
    assert (use.version, use.user, use.clinic) == (kit.version, rep, own)
    assert list(activity.key_messages.all()) == [kit.message]

    # A correction: the objection was not heard after all; the count goes back.
    services.activity_update(activity=activity, by=rep, changes={}, objections=[])
    assert Objection.objects.get(pk=kit.objection.pk).times_heard == 0
    assert AssetUse.objects.count() == 1, "an edit does not record the same use twice"


def test_only_approved_messages_and_assets_of_the_campaign_may_be_recorded(org, own, rep):
    kit = campaign_toolkit(org)
    with pytest.raises(FieldRuleError, match="is not an approved message"):
        services.activity_log(
            by=rep,
            clinic=own,
            kind="visit",
            occurred_at=NOW(),
            campaign=kit.campaign,
            key_messages=[kit.draft],
        )
    with pytest.raises(FieldRuleError, match="Say which campaign"):
        services.activity_log(
            by=rep, clinic=own, kind="visit", occurred_at=NOW(), objections=[kit.objection]
        )
    kit.version.expires_on = dt.date(2020, 1, 1)
    kit.version.save(update_fields=["expires_on"])
    with pytest.raises(FieldRuleError, match="is not an approved, unexpired asset"):
        services.activity_log(
            by=rep,
            clinic=own,
            kind="visit",
            occurred_at=NOW(),
            campaign=kit.campaign,
            asset_versions=[kit.version],
        )
    assert not Activity.objects.exists()
    assert Objection.objects.get(pk=kit.objection.pk).times_heard == 0


# ---------------------------------------------------------------- customer trainings


def test_training_records_attendees_scores_and_delivery(org, own, rep, campaign):
    ana, bo = vet(own), vet(own)
    training = services.training_log(
        campaign=campaign,
        by=rep,
        rep=rep,
        clinic=own,
        date=YESTERDAY,
        format="in_clinic",
        attendees=[ana, bo],
        field_vet=org.users[Role.FIELD_VET],
        scores={ana.pk: (40.0, 85.0)},
    )
    rows = {a.vet_id: (a.pre_score, a.post_score) for a in TrainingAttendance.objects.all()}
    assert rows == {ana.pk: (40.0, 85.0), bo.pk: (None, None)}
    services.training_scores_set(training=training, by=rep, scores={bo.pk: (55.0, 90.0)})
    assert TrainingAttendance.objects.get(vet=bo).post_score == 90.0
    assert AuditEvent.objects.filter(action__in=["training.log", "training.scores"]).count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": timezone.localdate() + dt.timedelta(days=1)}, "is in the future"),
        ({"attendees": []}, "needs at least one attending vet"),
        ({"rep": "field_vet"}, "is not a sales rep"),
        ({"field_vet": "other_rep"}, "is not a technical field vet"),
        ({"scores": (-1.0, 50.0)}, "pre-test score -1.0 must be between 0 and 100"),
        ({"scores": (50.0, 101.0)}, "post-test score 101.0 must be between 0 and 100"),
    ],
)
def test_training_rules(org, own, rep, change, message, campaign):
    ana = vet(own)
    users = {"field_vet": org.users[Role.FIELD_VET], "other_rep": org.other_rep}
    kwargs = {
        "campaign": campaign,
        "by": rep,
        "rep": users.get(change.get("rep"), rep),
        "clinic": own,
        "date": change.get("date", YESTERDAY),
        "format": "in_clinic",
        "attendees": change.get("attendees", [ana]),
        "field_vet": users.get(change.get("field_vet")),
        "scores": {ana.pk: change["scores"]} if "scores" in change else None,
    }
    with pytest.raises(FieldRuleError, match=message):
        services.training_log(**kwargs)
    assert not TrainingAttendance.objects.exists()


def test_vets_of_other_clinics_attend_webinars_not_in_clinic_trainings(org, own, rep, campaign):
    guest = vet(clinic(org, code="CL-GUEST"))
    with pytest.raises(FieldRuleError, match="not an in-clinic training"):
        services.training_log(
            campaign=campaign,
            by=rep,
            rep=rep,
            clinic=own,
            date=YESTERDAY,
            format="in_clinic",
            attendees=[guest],
        )
    services.training_log(
        campaign=campaign,
        by=rep,
        rep=rep,
        clinic=own,
        date=YESTERDAY,
        format="webinar",
        attendees=[guest],
    )
    # The guest's clinic counts as trained from the webinar's date.
    assert selectors.clinic_treatment_dates() == {"CL-OWN": YESTERDAY, "CL-GUEST": YESTERDAY}


def test_treatment_date_is_the_first_training_of_a_clinic_hosted_or_attended(
    org, own, rep, campaign
):
    ana = vet(own)
    host = clinic(org, code="CL-HOST")
    early, late = YESTERDAY - dt.timedelta(days=30), YESTERDAY
    services.training_log(
        campaign=campaign,
        by=rep,
        rep=rep,
        clinic=own,
        date=late,
        format="in_clinic",
        attendees=[ana],
    )
    services.training_log(
        campaign=campaign,
        by=rep,
        rep=rep,
        clinic=host,
        date=early,
        format="ce_event",
        attendees=[ana],
    )
    never = clinic(org, code="CL-NEVER")
    dates = selectors.clinic_treatment_dates()
    assert dates == {"CL-OWN": early, "CL-HOST": early}
    assert never.code not in dates


def test_replacing_attendees_keeps_scores_of_those_who_stay(own, rep, campaign):
    ana, bo, cy = vet(own), vet(own), vet(own)
    training = services.training_log(
        campaign=campaign,
        by=rep,
        rep=rep,
        clinic=own,
        date=YESTERDAY,
        format="in_clinic",
        attendees=[ana, bo],
        scores={ana.pk: (30.0, 70.0)},
    )
    services.training_update(training=training, by=rep, changes={}, attendees=[ana, cy])
    assert {a.vet_id: a.post_score for a in TrainingAttendance.objects.all()} == {
        ana.pk: 70.0,
        cy.pk: None,
    }


def test_training_materials_from_the_campaign_are_recorded_as_used(org, own, rep):
    kit = campaign_toolkit(org)
    training = services.training_log(
        campaign=kit.campaign,
        by=rep,
        rep=rep,
        clinic=own,
        date=YESTERDAY,
        format="in_clinic",
        attendees=[vet(own)],
        asset_versions=[kit.version],
    )
    assert list(training.asset_versions.all()) == [kit.version]
    assert AssetUse.objects.get().clinic == own


# ---------------------------------------------------------------- a training's campaign

# Inside the window (2025-06-01 to 2026-11-30) of the campaigns ``make_campaign`` makes.
IN_OLD_WINDOW = dt.date(2026, 11, 20)


def _ready_campaign(org, name: str):
    return ready_and_signed(org, make_campaign(org, name=name))


def test_a_training_is_logged_under_its_campaign_and_audited_with_it(own, rep, campaign):
    training = services.training_log(
        campaign=campaign,
        by=rep,
        rep=rep,
        clinic=own,
        date=YESTERDAY,
        format="in_clinic",
        attendees=[vet(own)],
    )
    assert training.campaign == campaign
    assert AuditEvent.objects.get(action="training.log").after["campaign_id"] == campaign.pk


def test_a_training_without_a_campaign_is_refused(own, rep):
    with pytest.raises(FieldRuleError) as refused:
        services.training_log(
            campaign=None,  # type: ignore[arg-type]
            by=rep,
            rep=rep,
            clinic=own,
            date=YESTERDAY,
            format="in_clinic",
            attendees=[vet(own)],
        )
    assert str(refused.value) == services.ERROR_TRAINING_NO_CAMPAIGN
    assert refused.value.field == "campaign"
    assert not CustomerTraining.objects.exists()


def _reviewed(org, campaign):
    for target in (CampaignStatus.CLOSED, CampaignStatus.REVIEWED):
        campaign = campaign_services.campaign_transition(
            campaign=campaign, user=org.users[Role.SALES_MANAGER], target=target
        )
    return campaign


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda org: make_campaign(org, status=CampaignStatus.DRAFT, name="Unannounced launch"),
            id="draft",
        ),
        pytest.param(lambda org: make_campaign(org, name="Unannounced launch"), id="co_creation"),
        pytest.param(
            lambda org: _reviewed(org, _live(org, _ready_campaign(org, "Unannounced launch"))),
            id="reviewed",
        ),
    ],
)
def test_a_campaign_not_in_the_field_is_refused_without_naming_it(org, own, rep, make):
    """A draft is secret to reps; co-creation has not reached the field; a reviewed
    campaign's uplift is final. The date is inside the campaign's window."""
    refused_campaign = make(org)
    with pytest.raises(FieldRuleError) as refused:
        services.training_log(
            campaign=refused_campaign,
            by=rep,
            rep=rep,
            clinic=own,
            date=IN_OLD_WINDOW,
            format="in_clinic",
            attendees=[vet(own)],
        )
    assert str(refused.value) == services.ERROR_TRAINING_CAMPAIGN_REFUSED
    assert "Unannounced" not in str(refused.value)
    assert not CustomerTraining.objects.exists()


def _live(org, campaign):
    return campaign_services.campaign_transition(
        campaign=campaign, user=org.users[Role.SALES_MANAGER], target=CampaignStatus.LIVE
    )


def test_ready_and_closed_campaigns_take_trainings(org, own, rep):
    """Ready: signed for the field, or live with content changed since; closed: a
    training given before the end, logged late."""
    ready = _ready_campaign(org, "Ready launch")
    closed = campaign_services.campaign_transition(
        campaign=_live(org, _ready_campaign(org, "Closed launch")),
        user=org.users[Role.SALES_MANAGER],
        target=CampaignStatus.CLOSED,
    )
    for campaign in (ready, closed):
        training = services.training_log(
            campaign=campaign,
            by=rep,
            rep=rep,
            clinic=own,
            date=IN_OLD_WINDOW,
            format="in_clinic",
            attendees=[vet(own)],
        )
        assert training.campaign == campaign


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_date_outside_the_campaign_window_is_refused_naming_the_window(org, own, rep, when):
    # Future trainings are refused as such: "after" takes a campaign that has ended.
    campaign = _ready_campaign(org, "Heart launch")
    day = {"before": dt.date(2025, 5, 31), "after": YESTERDAY}[when]
    with pytest.raises(FieldRuleError) as refused:
        services.training_log(
            campaign=campaign,
            by=rep,
            rep=rep,
            clinic=own,
            date=day,
            format="in_clinic",
            attendees=[vet(own)],
        )
    assert str(refused.value) == services.ERROR_TRAINING_OUTSIDE_CAMPAIGN.format(
        date=day.isoformat(), campaign="Heart launch", start="2025-06-01", end="2026-11-30"
    )
    assert refused.value.field == "campaign"
    assert not CustomerTraining.objects.exists()


def test_an_asset_of_another_campaign_is_refused(org, own, rep):
    kit = campaign_toolkit(org)
    other = _ready_campaign(org, "Second launch")
    with pytest.raises(FieldRuleError) as refused:
        services.training_log(
            campaign=other,
            by=rep,
            rep=rep,
            clinic=own,
            date=IN_OLD_WINDOW,
            format="in_clinic",
            attendees=[vet(own)],
            asset_versions=[kit.version],
        )
    assert str(refused.value) == services.ERROR_ASSET_OTHER_CAMPAIGN.format(
        version="VHS detail aid v1", campaign="Second launch"
    )
    assert refused.value.field == "asset_versions"
    assert not CustomerTraining.objects.exists()
    assert not AssetUse.objects.exists()


def test_changing_a_training_campaign_is_checked_and_audited(org, own, rep, campaign):
    kit = campaign_toolkit(org)
    training = services.training_log(
        campaign=campaign,
        by=rep,
        rep=rep,
        clinic=own,
        date=IN_OLD_WINDOW,
        format="in_clinic",
        attendees=[vet(own)],
        asset_versions=[kit.version],
    )
    other = _ready_campaign(org, "Second launch")
    # The toolkit's asset is the first campaign's: moving the training needs it dropped.
    with pytest.raises(FieldRuleError, match="is not an asset of Second launch"):
        services.training_update(training=training, by=rep, changes={"campaign": other})
    draft = make_campaign(org, status=CampaignStatus.DRAFT, name="Unannounced launch")
    with pytest.raises(FieldRuleError) as refused:
        services.training_update(
            training=training, by=rep, changes={"campaign": draft}, asset_versions=[]
        )
    assert str(refused.value) == services.ERROR_TRAINING_CAMPAIGN_REFUSED
    with pytest.raises(FieldRuleError, match="outside the window of Heart launch"):
        services.training_update(training=training, by=rep, changes={"date": dt.date(2020, 1, 1)})
    services.training_update(
        training=training, by=rep, changes={"campaign": other}, asset_versions=[]
    )
    training.refresh_from_db()
    assert training.campaign == other
    event = AuditEvent.objects.get(action="training.update")
    assert (event.before["campaign_id"], event.after["campaign_id"]) == (campaign.pk, other.pk)
    assert (event.before["asset_versions"], event.after["asset_versions"]) == (
        [kit.version.pk],
        [],
    )


def test_treatment_dates_of_a_campaign_count_only_its_trainings(org, own, rep, campaign):
    """Hosted and attended, the earliest of each clinic; unscoped, every training."""
    other = _ready_campaign(org, "Second launch")
    host, guest = clinic(org, code="CL-HOST"), clinic(org, code="CL-GUEST")
    ana, gus = vet(own), vet(guest)
    early, late = IN_OLD_WINDOW - dt.timedelta(days=10), IN_OLD_WINDOW

    def log(at, day, attendees, fmt, in_campaign):
        services.training_log(
            campaign=in_campaign,
            by=rep,
            rep=rep,
            clinic=at,
            date=day,
            format=fmt,
            attendees=attendees,
        )

    log(own, late, [ana], "in_clinic", campaign)
    log(host, late, [gus], "webinar", campaign)  # the guest clinic attends a webinar
    log(own, early, [ana], "in_clinic", other)  # earlier, but for the other campaign
    log(host, early - dt.timedelta(days=5), [ana], "ce_event", other)
    assert selectors.clinic_treatment_dates(campaign_id=campaign.pk) == {
        "CL-OWN": late,
        "CL-HOST": late,
        "CL-GUEST": late,
    }
    assert selectors.clinic_treatment_dates(campaign_id=other.pk) == {
        "CL-OWN": early - dt.timedelta(days=5),  # ana attended the other campaign's event
        "CL-HOST": early - dt.timedelta(days=5),
    }
    assert selectors.clinic_treatment_dates() == {
        "CL-OWN": early - dt.timedelta(days=5),
        "CL-HOST": early - dt.timedelta(days=5),
        "CL-GUEST": late,
    }


# ---------------------------------------------------------------- the adoption ladder


def test_ladder_moves_keep_history_and_refuse_standing_still(org, own, rep):
    ana = vet(own)
    services.ladder_move(by=rep, vet=ana, to_stage="aware", note="after the visit")
    services.ladder_move(by=rep, vet=ana, to_stage="trial")
    services.ladder_move(by=rep, clinic=own, to_stage="aware")
    with pytest.raises(FieldRuleError, match="is already at stage Trial"):
        services.ladder_move(by=rep, vet=ana, to_stage="trial")
    with pytest.raises(FieldRuleError, match="stage: 'expert' is not one of"):
        services.ladder_move(by=rep, vet=ana, to_stage="expert")
    assert Vet.objects.get(pk=ana.pk).stage == "trial"
    assert Clinic.objects.get(pk=own.pk).stage == "aware"
    history = selectors.ladder_history(vet=ana)
    assert [(m.from_stage, m.to_stage, m.moved_by) for m in history] == [
        ("aware", "trial", rep),
        ("unaware", "aware", rep),
    ]
    assert len(selectors.ladder_history(clinic=own)) == 3, "a clinic's history holds its vets'"
    assert AuditEvent.objects.filter(action="ladder.move").count() == 3


def test_ladder_reached_states_objectives_as_moves(org, own, rep):
    ana, bo = vet(own), vet(own)
    start = NOW() - dt.timedelta(hours=1)
    services.ladder_move(by=rep, vet=ana, to_stage="aware")
    services.ladder_move(by=rep, vet=ana, to_stage="adopter")
    services.ladder_move(by=rep, vet=bo, to_stage="trial")
    services.ladder_move(by=rep, clinic=own, to_stage="trial")
    end = NOW() + dt.timedelta(hours=1)
    assert selectors.ladder_reached(level="vet", stage="trial", start=start, end=end) == 2
    assert selectors.ladder_reached(level="vet", stage="adopter", start=start, end=end) == 1
    assert selectors.ladder_reached(level="clinic", stage="trial", start=start, end=end) == 1
    assert selectors.ladder_reached(level="clinic", stage="trial", start=end, end=end) == 0
    assert selectors.ladder_distribution()["vets"] == {
        "unaware": 0,
        "aware": 0,
        "trial": 1,
        "adopter": 1,
        "advocate": 0,
    }


# ---------------------------------------------------------------- privacy


def test_erasing_a_vet_keeps_the_counts_that_measurement_uses(org, own, rep, campaign):
    ana = vet(own, first_name="Ana", last_name="Silva", email="ana@example.org", phone="0123")
    services.training_log(
        campaign=campaign,
        by=rep,
        rep=rep,
        clinic=own,
        date=YESTERDAY,
        format="in_clinic",
        attendees=[ana],
        scores={ana.pk: (40.0, 80.0)},
    )
    services.ladder_move(by=rep, vet=ana, to_stage="aware", note="Ana liked it")
    exported = services.vet_personal_data(vet=ana)
    assert (exported["last_name"], exported["email"]) == ("Silva", "ana@example.org")
    assert exported["trainings"][0]["post_score"] == 80.0
    before = (selectors.clinic_treatment_dates(), selectors.ladder_distribution())

    services.vet_erase(vet=ana, by=org.users[Role.ADMIN])
    ana.refresh_from_db()
    assert (ana.first_name, ana.last_name, ana.email, ana.phone) == ("", "", "", "")
    assert str(ana) == f"Erased vet ({ana.code})"
    assert LadderMove.objects.get().note == ""
    assert (selectors.clinic_treatment_dates(), selectors.ladder_distribution()) == before
    assert TrainingAttendance.objects.get().post_score == 80.0
    assert "Silva" not in str(list(AuditEvent.objects.values_list("before", "after")))
    with pytest.raises(FieldRuleError, match="already erased"):
        services.vet_erase(vet=ana, by=org.users[Role.ADMIN])
    with pytest.raises(FieldRuleError, match="personal data was erased"):
        services.vet_update(vet=ana, by=rep, changes={"first_name": "Ana"})


def test_activity_history_loads_once(org, own, rep):
    ana = vet(own, code="V-ANA")
    when = NOW() - dt.timedelta(days=30)
    rows = [
        services.ActivityRow("A-1", "CL-OWN", "visit", when, rep.username, ("V-ANA",)),
        services.ActivityRow("A-2", "CL-OWN", "email", when, rep.username),
    ]
    assert services.activities_bulk_load(rows=rows) == 2
    assert services.activities_bulk_load(rows=rows) == 0
    assert list(Activity.objects.get(code="A-1").vets.all()) == [ana]
    naive = services.ActivityRow("A-3", "CL-OWN", "call", dt.datetime(2026, 1, 1), rep.username)
    with pytest.raises(FieldRuleError, match="Activity A-3 must carry a time zone"):
        services.activities_bulk_load(rows=[naive])


def test_emptying_a_required_field_is_refused_with_its_name(org):

    from onevoice.field import services as fs
    from onevoice.field.models import Clinic, Vet

    clinic = Clinic.objects.create(
        code="REQ1",
        name="Oak",
        region=org.north,
        territory=org.territory_own,
        segment="independent_small",
    )
    vet = Vet.objects.create(code="VREQ1", clinic=clinic, first_name="Ana", last_name="Silva")
    with pytest.raises(fs.FieldRuleError, match="first_name cannot be emptied"):
        fs.vet_update(vet=vet, by=None, changes={"first_name": None})
    with pytest.raises(fs.FieldRuleError, match="name cannot be emptied"):
        fs.clinic_update(clinic=clinic, by=None, changes={"name": None})
    vet.refresh_from_db()
    assert vet.first_name == "Ana"
