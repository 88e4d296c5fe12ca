"""Two people editing the KPI plan from the same page: the second save is refused with
a clear message instead of silently replacing the first (optimistic locking on
``KpiTarget.edit_version``, as for the brief). The race itself, on PostgreSQL, is in
``test_concurrency.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from onevoice.accounts.choices import Role
from onevoice.accounts.models import AuditEvent
from onevoice.campaigns import services as cs
from onevoice.campaigns.models import Campaign, KpiTarget
from tests.campaigns.conftest import joint_kpi, make_campaign

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 11, 30)


def _form(kpi: KpiTarget | None, *, target: float, version: int | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": kpi.code if kpi else "vets_trained",
        "baseline": 0,
        "target": target,
        "due_date": DUE.isoformat(),
        "owners": ["marketing", "sales"],
    }
    if version is not None:
        data["edit_version"] = version
    return data


def _set(campaign: Campaign, user: Any, target: float, version: int | None) -> KpiTarget:
    return cs.kpi_set(
        campaign=campaign,
        user=user,
        code="vets_trained",
        baseline=0,
        target=target,
        due_date=DUE,
        owners=["marketing", "sales"],
        expected_edit_version=version,
    )


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_second_save_from_the_same_version_is_refused_and_keeps_the_first(org):
    campaign = make_campaign(org)
    kpi = joint_kpi(org, campaign)
    seen = kpi.edit_version  # both editors opened the plan at this version
    marketer, manager = org.users[Role.MARKETING], org.users[Role.SALES_MANAGER]
    first = _set(campaign, marketer, 1200, seen)
    assert first.edit_version == seen + 1
    audit_rows = AuditEvent.objects.filter(action="kpi.set").count()
    content_version = Campaign.objects.get(pk=campaign.pk).content_version
    with pytest.raises(cs.StaleEdit) as refused:
        _set(campaign, manager, 900, seen)
    assert str(refused.value) == cs.ERROR_STALE.format(what="KPI “Vets trained”")
    assert refused.value.current.target == 1200  # the refusal carries what is stored now
    stored = KpiTarget.objects.get(pk=kpi.pk)
    assert (stored.target, stored.edit_version) == (1200, seen + 1)
    assert AuditEvent.objects.filter(action="kpi.set").count() == audit_rows
    assert Campaign.objects.get(pk=campaign.pk).content_version == content_version


def test_adding_a_kpi_someone_else_just_added_is_refused(org):
    campaign = make_campaign(org)
    joint_kpi(org, campaign)
    with pytest.raises(cs.StaleEdit) as refused:
        _set(campaign, org.users[Role.SALES_MANAGER], 10, 0)  # the page showed no such KPI
    assert "already in the plan" in str(refused.value)
    assert KpiTarget.objects.get(campaign=campaign, code="vets_trained").target == 1500


def test_changing_a_kpi_someone_else_removed_is_refused_and_does_not_bring_it_back(org):
    campaign = make_campaign(org)
    kpi = joint_kpi(org, campaign)
    cs.kpi_remove(kpi=kpi, user=org.users[Role.MARKETING], expected_edit_version=kpi.edit_version)
    with pytest.raises(cs.StaleEdit, match="removed from the plan by someone else"):
        _set(campaign, org.users[Role.SALES_MANAGER], 10, 1)
    assert not KpiTarget.objects.filter(campaign=campaign).exists()


def test_removing_a_kpi_changed_since_it_was_shown_is_refused(org):
    campaign = make_campaign(org)
    kpi = joint_kpi(org, campaign)
    seen = kpi.edit_version
    _set(campaign, org.users[Role.SALES_MANAGER], 1100, seen)
    with pytest.raises(cs.StaleEdit):
        cs.kpi_remove(kpi=kpi, user=org.users[Role.MARKETING], expected_edit_version=seen)
    assert KpiTarget.objects.get(pk=kpi.pk).target == 1100


def test_two_editors_on_the_page_the_second_is_told_and_sees_the_stored_target(client, org):
    campaign = make_campaign(org)
    kpi = joint_kpi(org, campaign)
    url = reverse("campaigns:kpi_set", kwargs={"slug": campaign.slug})
    detail = reverse("campaigns:detail", kwargs={"slug": campaign.slug})

    client.force_login(org.users[Role.MARKETING])
    page = client.get(detail).content.decode()
    assert f'name="edit_version" value="{kpi.edit_version}"' in page  # the row's edit form
    response = client.post(url, _form(kpi, target=1200, version=kpi.edit_version))
    assert response.status_code == 302
    assert KpiTarget.objects.get(pk=kpi.pk).target == 1200

    client.force_login(org.users[Role.SALES_MANAGER])  # opened the page before that save
    response = client.post(url, _form(kpi, target=900, version=kpi.edit_version))
    assert response.status_code == 302
    assert any("changed by someone else" in m for m in _messages(response))
    assert KpiTarget.objects.get(pk=kpi.pk).target == 1200
    page = client.get(response["Location"]).content.decode()
    assert "1200" in page  # the plan shows what is stored now


def test_the_add_form_refuses_a_kpi_already_in_the_plan(client, org):
    campaign = make_campaign(org)
    joint_kpi(org, campaign)
    client.force_login(org.users[Role.SALES_MANAGER])
    page = client.get(reverse("campaigns:detail", kwargs={"slug": campaign.slug}))
    assert 'name="edit_version" value="0"' in page.content.decode()  # the add form
    response = client.post(
        reverse("campaigns:kpi_set", kwargs={"slug": campaign.slug}),
        _form(None, target=5, version=0),
    )
    assert any("already in the plan" in m for m in _messages(response))
    assert KpiTarget.objects.get(campaign=campaign).target == 1500


def test_the_remove_button_refuses_a_kpi_changed_since_the_page_was_shown(client, org):
    campaign = make_campaign(org)
    kpi = joint_kpi(org, campaign)
    shown = kpi.edit_version
    _set(campaign, org.users[Role.MARKETING], 1300, None)
    client.force_login(org.users[Role.SALES_MANAGER])
    response = client.post(
        reverse("campaigns:kpi_remove", kwargs={"slug": campaign.slug, "pk": kpi.pk}),
        {"edit_version": shown},
    )
    assert any("changed by someone else" in m for m in _messages(response))
    assert KpiTarget.objects.filter(pk=kpi.pk).exists()
