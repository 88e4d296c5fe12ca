"""Each clinic's stored last contact follows every write of activities, and the clinic
list sorted by "longest without contact" reads it, page after page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.field import contacted, services
from onevoice.field.models import Activity, Clinic
from tests.field.factories import clinic

pytestmark = pytest.mark.django_db


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def stored(c: Clinic) -> dt.datetime | None:
    c.refresh_from_db()
    return c.last_activity_at


def assert_matches_activities() -> None:
    derived = dict(
        Activity.objects.values("clinic_id")
        .annotate(m=Max("occurred_at"))
        .values_list("clinic_id", "m")
    )
    for pk, at in Clinic.objects.values_list("pk", "last_activity_at"):
        assert at == derived.get(pk), pk


def test_logging_an_activity_sets_the_last_contact_and_an_older_one_keeps_it(org):
    rep = org.users[Role.SALES_REP]
    oak = clinic(org, name="Oak Vets")
    assert stored(oak) is None
    recent = services.activity_log(by=rep, clinic=oak, kind="visit", occurred_at=ago(2))
    assert stored(oak) == recent.occurred_at
    services.activity_log(by=rep, clinic=oak, kind="call", occurred_at=ago(30))
    assert stored(oak) == recent.occurred_at
    assert_matches_activities()


def test_correcting_an_activity_date_moves_the_last_contact_both_ways(org):
    rep = org.users[Role.SALES_REP]
    oak = clinic(org, name="Oak Vets")
    older = services.activity_log(by=rep, clinic=oak, kind="call", occurred_at=ago(10))
    latest = services.activity_log(by=rep, clinic=oak, kind="visit", occurred_at=ago(2))
    services.activity_update(activity=latest, by=rep, changes={"occurred_at": ago(20)})
    assert stored(oak) == older.occurred_at
    services.activity_update(activity=older, by=rep, changes={"occurred_at": ago(1)})
    assert stored(oak) == Activity.objects.get(pk=older.pk).occurred_at
    assert_matches_activities()


def test_bulk_loaded_activities_set_the_last_contact_of_their_clinics(org):
    rep = org.users[Role.SALES_REP]
    oak = clinic(org, code="CL-OAK")
    elm = clinic(org, code="CL-ELM")
    untouched = clinic(org, code="CL-ASH")
    when = ago(5).replace(microsecond=0)
    rows = [
        services.ActivityRow("A-1", "CL-OAK", "visit", when, rep.username),
        services.ActivityRow("A-2", "CL-OAK", "email", when - dt.timedelta(days=9), rep.username),
        services.ActivityRow("A-3", "CL-ELM", "call", when - dt.timedelta(days=3), rep.username),
    ]
    assert services.activities_bulk_load(rows=rows) == 3
    assert (stored(oak), stored(elm), stored(untouched)) == (
        when,
        when - dt.timedelta(days=3),
        None,
    )
    assert_matches_activities()


def test_refreshing_every_clinic_repairs_the_last_contact(org):
    rep = org.users[Role.SALES_REP]
    oak = clinic(org)
    services.activity_log(by=rep, clinic=oak, kind="visit", occurred_at=ago(3))
    Clinic.objects.update(last_activity_at=None)
    contacted.clinics_refresh()
    assert_matches_activities()
    assert stored(oak) is not None


def test_clinic_list_by_last_contact_pages_in_order_and_keeps_the_filters(client, org):
    rep = org.users[Role.SALES_REP]
    # 60 clinics: the even ones contacted, longest ago first by number; the odd never.
    for i in range(60):
        c = clinic(org, code=f"CL-{i:02}", name=f"Vets {i:02}", potential=float(i))
        if i % 2 == 0:
            services.activity_log(by=rep, clinic=c, kind="call", occurred_at=ago(100 - i))
    client.force_login(rep)
    url = reverse("field:clinics") + "?sort=last_done"
    first = client.get(url).content.decode()
    second = client.get(url + "&page=2").content.decode()
    names = re.findall(r">Vets (\d\d)<", first) + re.findall(r">Vets (\d\d)<", second)
    never = [f"{i:02}" for i in range(59, 0, -2)]  # never contacted: most potential first
    oldest_first = [f"{i:02}" for i in range(0, 60, 2)]
    assert names == never + oldest_first
    assert "sort=last_done&amp;page=2" in first
