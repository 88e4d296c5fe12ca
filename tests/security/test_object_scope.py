"""Objects inside and outside the requester's campaign, team and territory.

For every URL of the field, campaigns, measurement and training apps that reaches an object, the
access matrix's expectation holds for an object inside each requester's scope (the app
matrix, ``tests/test_permission_matrix.py``) and, here, for objects outside it
(``tests/security/scope.py``): the North rep, manager and field vet are refused the
South territory's clinic, vet, activity and training; reps and field vets a draft
campaign; anyone but its leads a campaign's sign-off; everyone an object put under
another campaign's address. A refusal changes nothing stored. The South users reach
those same objects, so each refusal is the scope's doing, not a broken fixture.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from onevoice.accounts.choices import Role
from tests.field.factories import world
from tests.security.scope import NOT_SCOPED, outside_variants
from tests.security.support import send, state_diff, stored_state
from tests.test_permission_matrix import MATRIX
from tests.url_matrix import ANON, Entry, Outside

SCOPED_APPS = ("field", "campaigns", "measurement", "training")
VARIANTS = outside_variants(MATRIX)
REQUESTERS = [ANON, *(r.value for r in Role)]


def _routes(resolver: URLResolver, prefix: str = "", route: str = "") -> dict[str, str]:
    """URL name -> its route, e.g. ``api:field_clinic`` -> ``api/field/clinics/<int:clinic_id>``."""
    out: dict[str, str] = {}
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            out.update(_routes(p, ns, route + str(p.pattern)))
        elif isinstance(p, URLPattern) and p.name:
            out.setdefault(prefix + p.name, route + str(p.pattern))
    return out


def _app_of(route: str) -> str:
    parts = route.strip("^").split("/")
    return parts[1] if parts[0] == "api" else parts[0]


ROUTES = _routes(get_resolver())
# URLs of the scoped apps whose address names an object.
OBJECT_URLS = sorted(
    name
    for name, route in ROUTES.items()
    if name in MATRIX and _app_of(route) in SCOPED_APPS and re.search(r"<|\(\?P", route)
)


def test_every_object_url_is_checked_outside_its_scope_or_says_why_not():
    undeclared = [n for n in OBJECT_URLS if n not in VARIANTS and n not in NOT_SCOPED]
    assert not undeclared, (
        "add an outside-scope variant to tests/security/scope.py (or a reason in "
        f"NOT_SCOPED) for: {undeclared}"
    )
    stale = sorted(set(NOT_SCOPED) - set(MATRIX))
    assert not stale, f"NOT_SCOPED names URLs that no longer exist: {stale}"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_denies_someone_the_inside_object_allows(name):
    """A variant only means something if the object outside is refused to a requester
    who is allowed the one inside."""
    entry = MATRIX[name]
    for outside in VARIANTS[name]:
        assert all(status >= 400 for status in outside.denied.values()), (name, outside.why)
        assert any(entry.expected(w) < 400 for w in outside.denied), (name, outside.why)


def _kwargs_and_data(entry: Entry, outside: Outside, org: Any) -> tuple[dict[str, Any], Any]:
    kwargs = entry.url_kwargs(org) if outside.kwargs is None else _call(outside.kwargs, org)
    data = entry.post_data(org) if outside.data is None else _call(outside.data, org)
    return kwargs, data


def _call(value: Any, org: Any) -> Any:
    return value(org) if callable(value) else value


CASES = [
    pytest.param(name, i, id=f"{name}[{i}]")
    for name in sorted(VARIANTS)
    for i in range(len(VARIANTS[name]))
]


@pytest.mark.parametrize(("name", "i"), CASES)
def test_object_outside_the_scope_is_refused_and_changes_nothing(client, org, name, i):
    entry, outside = MATRIX[name], VARIANTS[name][i]
    world(org)  # both territories' field objects exist whatever the URL
    kwargs, data = _kwargs_and_data(entry, outside, org)
    query = outside.query
    wrong = []
    for who in REQUESTERS:
        client.logout()
        if who != ANON:
            client.force_login(org.users[Role(who)])
        expected = outside.expected(entry, who)
        before = stored_state() if expected >= 400 else None
        response = send(client, name, entry, kwargs=kwargs, data=data, query=query)
        if response.status_code != expected:
            wrong.append((who, expected, response.status_code))
        elif before is not None:
            changed = state_diff(before, stored_state())
            if changed:
                wrong.append((who, "refused but changed", changed))
    assert not wrong, (name, outside.why, wrong)


INSIDER_CASES = [
    pytest.param(name, i, id=f"{name}[{i}]")
    for name in sorted(VARIANTS)
    for i, outside in enumerate(VARIANTS[name])
    if outside.insiders
]


@pytest.mark.parametrize(("name", "i"), INSIDER_CASES)
def test_the_same_object_is_reachable_by_those_whose_scope_it_is_in(client, org, name, i):
    entry, outside = MATRIX[name], VARIANTS[name][i]
    world(org)
    kwargs, data = _kwargs_and_data(entry, outside, org)
    for attr, role in outside.insiders.items():
        client.force_login(getattr(org, attr))
        response = send(client, name, entry, kwargs=kwargs, data=data, query=outside.query)
        assert response.status_code == entry.expected(role), (name, attr, response.status_code)


# Lists: the scoped roles see their own objects and nothing of the other territory.
FIELD_LISTS = {
    "field:clinics": ("Oak Vets", "Pine Vets"),
    "field:activities": ("Oak Vets", "Pine Vets"),
    "field:trainings": ("Oak Vets", "Pine Vets"),
    "field:territories": ("North one", "South one"),
    "api:field_clinic_list": ("CL-OWN", "CL-OTHER"),
    "api:field_activity_list": ("CL-OWN", "CL-OTHER"),
    "api:field_training_list": ("CL-OWN", "CL-OTHER"),
    "api:field_territory_list": ('"N1"', '"S1"'),
}
SEES_BOTH = {Role.MARKETING, Role.ANALYST, Role.ADMIN}
SEES_OWN = {Role.SALES_REP, Role.SALES_MANAGER, Role.FIELD_VET}


@pytest.mark.parametrize("name", sorted(FIELD_LISTS))
@pytest.mark.parametrize("role", sorted(SEES_BOTH | SEES_OWN))
def test_lists_hold_the_requesters_territories_only(client, org, name, role):
    world(org)
    own, other = FIELD_LISTS[name]
    client.force_login(org.users[role])
    response = send(client, name, MATRIX[name], kwargs={}, data={})
    assert response.status_code == 200
    body = response.content.decode()
    assert own in body
    assert (other in body) is (role in SEES_BOTH), (name, role)


@pytest.mark.parametrize("name", ["campaigns:list", "api:campaign_list"])
@pytest.mark.parametrize("role", list(Role))
def test_draft_campaigns_are_listed_for_head_office_only(client, org, name, role):
    from tests.campaigns.conftest import make_campaign

    make_campaign(org, name="Open launch")
    make_campaign(org, name="Unannounced launch", status="draft")
    client.force_login(org.users[role])
    body = send(client, name, MATRIX[name], kwargs={}, data={}).content.decode()
    assert "Open launch" in body
    hidden = role in {Role.SALES_REP, Role.FIELD_VET}
    assert ("Unannounced launch" in body) is not hidden, role
