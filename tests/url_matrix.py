"""The access matrix format shared by every app's ``tests/<app>/url_matrix.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANON = "anonymous"


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

    def url_kwargs(self, org: Any) -> dict[str, Any]:
        return self.kwargs(org) if callable(self.kwargs) else self.kwargs

    def post_data(self, org: Any) -> dict[str, Any]:
        return self.data(org) if callable(self.data) else self.data

    def expected(self, who: str) -> int:
        if who == ANON:
            return self.anonymous
        return self.only.get(who, self.roles)
