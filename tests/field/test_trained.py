"""Each clinic's stored training columns (first and last training, trained vets) follow
every write of trainings, attendance and vets' clinics, and the pages read them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory
from onevoice.field import selectors, services, trained
from onevoice.field.models import Clinic, CustomerTraining, Vet
from tests.field.factories import clinic, live_campaign, vet

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)
EARLY = YESTERDAY - dt.timedelta(days=40)


@pytest.fixture
def rep(org):
    return org.users[Role.SALES_REP]


def log(org, host: Clinic, date: dt.date, format: str, attendees: list[Vet]) -> Any:
    rep = org.users[Role.SALES_REP]
    return services.training_log(
        campaign=live_campaign(org),
        by=rep,
        rep=rep,
        clinic=host,
        date=date,
        format=format,
        attendees=attendees,
    )


def columns(c: Clinic) -> tuple[dt.date | None, dt.date | None, int]:
    c.refresh_from_db()
    return c.first_trained, c.last_trained, c.trained_vets


def assert_same_as_source() -> None:
    """What is stored equals what the trainings and attendance say, for every clinic."""
    source = trained.derived()
    stored = {
        pk: (first, last, vets)
        for pk, first, last, vets in Clinic.objects.values_list("pk", *trained.FIELDS)
        if first is not None or vets
    }
    assert stored == source


def test_logging_trainings_sets_host_and_attendee_clinics(org, rep):
    host, guest_clinic = clinic(org, code="CL-HOST"), clinic(org, code="CL-GUEST")
    ana, bea, guest = vet(host), vet(host), vet(guest_clinic)
    untouched = clinic(org, code="CL-NONE")
    log(org, host, YESTERDAY, "webinar", [ana, guest])
    assert columns(host) == (YESTERDAY, YESTERDAY, 1)
    assert columns(guest_clinic) == (YESTERDAY, YESTERDAY, 1)
    # An earlier training moves the first date back and counts each vet once.
    log(org, host, EARLY, "in_clinic", [ana, bea])
    assert columns(host) == (EARLY, YESTERDAY, 2)
    assert columns(guest_clinic) == (YESTERDAY, YESTERDAY, 1)
    assert columns(untouched) == (None, None, 0)
    assert_same_as_source()


def test_a_clinic_that_only_hosted_is_trained_with_no_trained_vet(org, rep):
    host, other = clinic(org, code="CL-HOST"), clinic(org, code="CL-OTHER")
    log(org, host, YESTERDAY, "ce_event", [vet(other)])
    assert columns(host) == (YESTERDAY, YESTERDAY, 0)
    assert selectors.clinic_treatment_dates() == {"CL-HOST": YESTERDAY, "CL-OTHER": YESTERDAY}


def test_changing_a_training_date_or_removing_attendees_updates_the_clinics(org, rep):
    host, guest_clinic = clinic(org, code="CL-HOST"), clinic(org, code="CL-GUEST")
    ana, guest = vet(host), vet(guest_clinic)
    training = log(org, host, YESTERDAY, "webinar", [ana, guest])
    services.training_update(training=training, by=rep, changes={"date": EARLY})
    assert columns(host) == (EARLY, EARLY, 1)
    assert columns(guest_clinic) == (EARLY, EARLY, 1)
    # Removing the guest deletes their attendance: their clinic is no longer trained.
    services.training_update(training=training, by=rep, changes={}, attendees=[ana])
    assert columns(guest_clinic) == (None, None, 0)
    assert columns(host) == (EARLY, EARLY, 1)
    # Adding them back trains their clinic again.
    services.training_update(training=training, by=rep, changes={}, attendees=[ana, guest])
    assert columns(guest_clinic) == (EARLY, EARLY, 1)
    assert_same_as_source()


def test_bulk_loaded_trainings_set_the_columns(org, rep):
    host, guest_clinic = clinic(org, code="CL-HOST"), clinic(org, code="CL-GUEST")
    vet(host, code="V-A"), vet(host, code="V-B"), vet(guest_clinic, code="V-G")
    slug = live_campaign(org).slug
    rows = [
        services.TrainingRow(
            "T-1", "CL-HOST", EARLY, "in_clinic", rep.username, None, [("V-A", 40, 80)], slug
        ),
        services.TrainingRow(
            "T-2", "CL-HOST", YESTERDAY, "webinar", rep.username, None, [("V-B", None, None)], slug
        ),
        services.TrainingRow(
            "T-3", "CL-HOST", YESTERDAY, "webinar", rep.username, None, [("V-G", None, None)], slug
        ),
    ]
    assert services.trainings_bulk_load(rows=rows) == 3
    assert columns(host) == (EARLY, YESTERDAY, 2)
    assert columns(guest_clinic) == (YESTERDAY, YESTERDAY, 1)
    assert set(CustomerTraining.objects.values_list("campaign__slug", flat=True)) == {slug}
    assert_same_as_source()


def test_a_vet_moved_by_the_crm_import_takes_their_trainings_to_the_new_clinic(org, rep):
    old, new = clinic(org, code="CL-OLD"), clinic(org, code="CL-NEW")
    ana = vet(old, code="V-1", first_name="Ana", last_name="Silva")
    host = clinic(org, code="CL-HOST")
    log(org, host, YESTERDAY, "webinar", [ana])
    assert columns(old) == (YESTERDAY, YESTERDAY, 1)
    content = b"Vet code,Clinic code,First name,Last name\nV-1,CL-NEW,Ana,Silva\n"
    crm_import = services.crm_import_start(
        by=org.users[Role.ADMIN], kind="vets", file_name="crm.csv", content=content
    )
    services.crm_import_commit(crm_import=crm_import, by=org.users[Role.ADMIN])
    ana.refresh_from_db()
    assert ana.clinic == new
    assert columns(old) == (None, None, 0)
    assert columns(new) == (YESTERDAY, YESTERDAY, 1)
    assert_same_as_source()


def test_refreshing_every_clinic_repairs_the_columns(org, rep):
    """What the migration that added the columns runs on existing data."""
    host = clinic(org, code="CL-HOST")
    log(org, host, YESTERDAY, "in_clinic", [vet(host)])
    stale = clinic(org, code="CL-STALE")
    Clinic.objects.filter(pk=host.pk).update(first_trained=None, last_trained=None, trained_vets=0)
    Clinic.objects.filter(pk=stale.pk).update(first_trained=EARLY, trained_vets=3)
    trained.clinics_refresh()
    assert columns(host) == (YESTERDAY, YESTERDAY, 1)
    assert columns(stale) == (None, None, 0)
    assert_same_as_source()


def test_pages_show_the_stored_training_of_each_clinic(org, rep, client):
    host, guest_clinic = clinic(org, code="CL-HOST"), clinic(org, code="CL-GUEST")
    never = clinic(org, code="CL-NEVER")
    log(org, host, EARLY, "webinar", [vet(host), vet(guest_clinic)])
    trained_codes = {c.code for c in selectors.clinic_list(user=rep, filters=_trained(True))}
    untrained = {c.code for c in selectors.clinic_list(user=rep, filters=_trained(False))}
    assert (trained_codes, untrained) == ({"CL-HOST", "CL-GUEST"}, {"CL-NEVER"})
    own = Territory.objects.filter(pk=org.territory_own.pk)
    (row,) = selectors.territory_overview(territories=own)
    assert (row.clinics, row.trained, row.vets, row.trained_vets) == (3, 2, 2, 2)
    suggested = selectors.untrained_clinics_by_potential(territories=own)
    assert [c.code for c in suggested] == [never.code]
    client.force_login(rep)
    page = client.get(reverse("field:clinics")).content.decode()
    assert EARLY.isoformat() in page


def _trained(value: bool) -> selectors.ClinicFilters:
    return selectors.ClinicFilters(trained=value)
