"""Every URL, requested as every role and anonymously, against one declared matrix.

Each app declares who may open its URLs in ``tests/<app>/url_matrix.py``; a URL pattern
with no entry there fails ``test_every_url_is_in_the_matrix``: adding a page means
deciding who may open it. Django's admin site is covered by its own staff-and-model-
permission checks; only its index is listed.
"""

from __future__ import annotations

import importlib
import json
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from onevoice.accounts.choices import Role
from tests.url_matrix import ANON, Entry

ALL_ROLES = tuple(Role)


def _collect() -> dict[str, Entry]:
    matrix: dict[str, Entry] = {}
    for pkg in pkgutil.iter_modules(tests.__path__):
        if not pkg.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{pkg.name}.url_matrix")
        except ModuleNotFoundError:
            continue
        overlap = set(matrix) & set(module.MATRIX)
        assert not overlap, f"declared twice: {overlap}"
        matrix.update(module.MATRIX)
    return matrix


MATRIX = _collect()


def _names(resolver: URLResolver, prefix: str = "") -> list[str]:
    names = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            if p.namespace == "admin":
                names.append("admin:index")
                continue
            names.extend(_names(p, ns))
        elif isinstance(p, URLPattern):
            # An unnamed pattern cannot be declared in the matrix: it fails the test
            # under its route until it gets a name and an entry.
            names.append(prefix + p.name if p.name else f"(unnamed) {prefix}{p.pattern}")
    return names


def test_every_url_is_in_the_matrix():
    missing = sorted(set(_names(get_resolver())) - set(MATRIX))
    assert not missing, f"add these URLs to MATRIX with who may open them: {missing}"


def test_an_unnamed_url_cannot_slip_past_the_matrix():
    from django.http import HttpResponse
    from django.urls import path

    def view(request):
        return HttpResponse()

    resolver = URLResolver(
        pattern=get_resolver().pattern,
        urlconf_name=[path("sneaky/", view), path("ok/", view, name="ok")],
    )
    assert _names(resolver) == ["(unnamed) sneaky/", "ok"]
    assert "(unnamed) sneaky/" not in MATRIX


@pytest.mark.parametrize("who", [ANON, *(r.value for r in ALL_ROLES)])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_access(client, org, name, who):
    entry = MATRIX[name]
    if who != ANON:
        client.force_login(org.users[Role(who)])
    url = reverse(name, kwargs=entry.url_kwargs(org) or None)
    data = entry.post_data(org)
    if entry.json:
        body, content_type = json.dumps(data), "application/json"
    else:
        body, content_type = _encode(data), "application/x-www-form-urlencoded"
    response = client.generic(entry.method, url, data=body, content_type=content_type)
    assert response.status_code == entry.expected(who), (name, who)


def _encode(data: dict[str, object]) -> str:
    from urllib.parse import urlencode

    return urlencode(data)
