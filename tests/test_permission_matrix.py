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
        elif isinstance(p, URLPattern) and p.name:
            names.append(prefix + p.name)
    return names


def test_every_url_is_in_the_matrix():
    missing = sorted(set(_names(get_resolver())) - set(MATRIX))
    assert not missing, f"add these URLs to MATRIX with who may open them: {missing}"


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
