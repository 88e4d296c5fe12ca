"""The access matrix format shared by every app's ``tests/<app>/url_matrix.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANON = "anonymous"

KwargsOrData = dict[str, Any] | Callable[[Any], Any]


@dataclass(frozen=True)
class Outside:
    """A variant of an entry whose object lies outside some requesters' scope.

    ``kwargs`` (and ``data``, when the body names the object) build the variant from
    the ``org`` fixture; ``denied`` gives the status of each requester the object is
    outside of. Every other requester gets the entry's own status.
    """

    why: str
    denied: dict[str, int]
    kwargs: KwargsOrData | None = None  # None: the entry's kwargs
    data: KwargsOrData | None = None  # None: the entry's data
    query: dict[str, str] = field(default_factory=dict)  # e.g. a territory asked for by name
    # Users (attributes of ``org``) for whom the object is inside, with the role whose
    # status they get: proof the object is reachable, so the denial is the scope's doing.
    insiders: dict[str, str] = field(default_factory=dict)

    def expected(self, entry: Entry, who: str) -> int:
        return self.denied.get(who, entry.expected(who))


@dataclass(frozen=True)
class Entry:
    """Expected status per requester; ``roles`` applies to every role not in ``only``."""

    method: str
    anonymous: int
    roles: int
    only: dict[str, int] = field(default_factory=dict)
    # A dict, or a function of the `org` fixture that creates what the URL needs (it runs
    # inside the test's transaction) and returns the URL's kwargs / the POST data.
    kwargs: dict[str, Any] | Callable[[Any], dict[str, Any]] = field(default_factory=dict)
    data: dict[str, Any] | Callable[[Any], dict[str, Any]] = field(default_factory=dict)
    json: bool = False  # send ``data`` as a JSON body (API endpoints)
    # The same URL with objects outside some requesters' campaign, team or territory
    # (``tests/security/test_object_scope.py`` requests them).
    outside: tuple[Outside, ...] = ()

    def url_kwargs(self, org: Any) -> dict[str, Any]:
        return self.kwargs(org) if callable(self.kwargs) else self.kwargs

    def post_data(self, org: Any) -> dict[str, Any]:
        return self.data(org) if callable(self.data) else self.data

    def expected(self, who: str) -> int:
        if who == ANON:
            return self.anonymous
        return self.only.get(who, self.roles)
