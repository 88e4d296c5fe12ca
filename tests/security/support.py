"""What the security tests share: sending a matrix entry, and the stored state to compare."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.test import Client
from django.urls import reverse

from tests.url_matrix import Entry


def send(
    client: Client,
    name: str,
    entry: Entry,
    *,
    kwargs: dict[str, Any],
    data: Any,
    query: dict[str, str] | None = None,
    **headers: Any,
) -> Any:
    """Request URL ``name`` as ``entry`` says: its method, a form or JSON body."""
    url = reverse(name, kwargs=kwargs or None)
    if query:
        url += "?" + urlencode(query)
    if entry.json:
        body, content_type = json.dumps(data), "application/json"
    else:
        body, content_type = urlencode(data, doseq=True), "application/x-www-form-urlencoded"
    return client.generic(entry.method, url, data=body, content_type=content_type, **headers)


# Bookkeeping a request may touch without changing anything a user relies on.
VOLATILE = {"accounts.LoginFailure"}
VOLATILE_FIELDS = {"accounts.ApiToken": {"last_used_at"}, "accounts.User": {"last_login"}}


def stored_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every OneVoice model, to prove a refused request changed nothing."""
    state: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models():
        label = model._meta.label
        if not model.__module__.startswith("onevoice.") or label in VOLATILE:
            continue
        skip = VOLATILE_FIELDS.get(label, set())
        rows = []
        for row in model._default_manager.order_by("pk").values():
            rows.append(
                {
                    k: bytes(v) if isinstance(v, memoryview) else v
                    for k, v in row.items()
                    if k not in skip
                }
            )
        state[label] = rows
    return state


def state_diff(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    """The models whose rows differ, for a readable assertion message."""
    return sorted(
        label for label in before.keys() | after.keys() if before.get(label) != after.get(label)
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(env: dict[str, str], *options: str) -> Iterator[int]:
    """A real ``onevoice serve --no-migrate`` process on a free port, once it accepts
    connections; stopped on exit. ``options`` go to ``serve`` (e.g. ``--workers 2``)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "onevoice", "serve", "--port", str(port), "--no-migrate", *options],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("onevoice serve did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)
