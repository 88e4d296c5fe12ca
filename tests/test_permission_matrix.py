"""Every URL, requested as every role and anonymously, against one declared matrix.

A URL pattern with no entry here fails ``test_every_url_is_in_the_matrix``: adding a page
means deciding, in this table, who may open it. Django's admin site is covered by its
own staff-and-model-permission checks; only its index is listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from onevoice.accounts.choices import Role

ANON = "anonymous"
ALL_ROLES = tuple(Role)


@dataclass(frozen=True)
class Entry:
    """Expected status per requester; ``roles`` applies to every role not in ``only``."""

    method: str
    anonymous: int
    roles: int
    only: dict[str, int] = field(default_factory=dict)
    kwargs: dict[str, object] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)

    def expected(self, who: str) -> int:
        if who == ANON:
            return self.anonymous
        return self.only.get(who, self.roles)


# 302 for an anonymous page request is the redirect to the login page.
MATRIX: dict[str, Entry] = {
    "home": Entry("GET", 302, 200),
    "accounts:login": Entry("GET", 200, 302),
    "accounts:logout": Entry("POST", 302, 302),
    "accounts:password_change": Entry("GET", 302, 200),
    "accounts:password_change_done": Entry("GET", 302, 200),
    "accounts:tokens": Entry("GET", 302, 200),
    "accounts:token_create": Entry("POST", 302, 200, data={"name": "matrix"}),
    # Revoking a token that is not yours is a 404; see test_views for your own.
    "accounts:token_revoke": Entry("POST", 302, 404, kwargs={"pk": 999_999}),
    "api:openapi-json": Entry("GET", 200, 200),
    "api:openapi-view": Entry("GET", 200, 200),
    "api:me": Entry("GET", 401, 200),
    "api:api-root": Entry("GET", 404, 404),
    "admin:index": Entry("GET", 302, 302, only={Role.ADMIN.value: 200}),
}


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
    url = reverse(name, kwargs=entry.kwargs or None)
    response = client.generic(
        entry.method,
        url,
        data=_encode(entry.data),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == entry.expected(who), (name, who)


def _encode(data: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(data)
