"""Load: many users browsing dashboards and logging activities against `onevoice serve`.

Loopback only and bounded in time. Each virtual user is a thread with its own
keep-alive connection and session: it logs in with the demo password, then, until the
time is up, opens one of its role's pages (dashboards, field lists, a clinic, the
campaign) or logs an activity with a clinic of its territory, and thinks for a random
(exponential) time before the next. Every user also opens the anonymous login page now
and then: the baseline, measured in the same run under the same load.

Users, clinics and the campaign are read from the installation's database (the same
``ONEVOICE_HOME`` / ``DATABASE_URL`` as the server) before the run starts; during the
run everything goes through HTTP. ``--profile`` instead requests each page once per
role in-process and reports its time, its SQL queries and their time, to find why a
page is slow. Usage::

    export ONEVOICE_HOME=/srv/ov DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ov
    onevoice demo --no-serve --clinics 100000
    onevoice serve --port 8000 --workers 2 &
    python benchmarks/load_dashboards.py --url http://127.0.0.1:8000 --users 50 --duration 120
    python benchmarks/load_dashboards.py --profile
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import ipaddress
import os
import random
import re
import socket
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

DEMO_PASSWORD = "onevoice-demo"
BASELINE = "baseline: GET /accounts/login/ (anonymous)"
LOG_ACTIVITY = "POST log an activity"


@dataclass
class Person:
    username: str
    role: str
    clinics: list[int] = field(default_factory=list)
    pages: list[tuple[str, str, float]] = field(default_factory=list)  # label, path, weight


# --------------------------------------------------------------------------- set-up


def _django(home: str | None) -> None:
    if home:
        os.environ["ONEVOICE_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onevoice.config.settings")
    import django

    django.setup()


def people(n_users: int, seed: int) -> tuple[list[Person], dict[str, Any]]:
    """The virtual users: mostly reps (each a different one), the managers, head office.

    Reads usernames, each rep's clinics and the campaign from the database.
    """
    from onevoice.accounts.models import User
    from onevoice.campaigns.selectors import campaign_current
    from onevoice.field.models import Clinic

    rng = random.Random(seed)
    campaign = campaign_current()
    by_role: dict[str, list[str]] = defaultdict(list)
    for username, group in User.objects.filter(is_active=True).values_list(
        "username", "groups__name"
    ):
        if group:
            by_role[group].append(username)
    managers = sorted(by_role["sales_manager"])
    head_office = [
        *sorted(by_role["marketing"]),
        *sorted(by_role["analyst"]),
        *sorted(by_role["admin"]),
    ]
    # About one user in five from head office and management, the rest reps.
    n_office = max(1, n_users // 10)
    n_managers = min(len(managers), max(1, n_users // 10))
    n_reps = n_users - n_office - n_managers
    # Each a different rep while there are enough; a small demo repeats some (two tabs).
    pool = sorted(by_role["sales_rep"])
    reps = rng.sample(pool, min(n_reps, len(pool)))
    reps += [reps[i % len(reps)] for i in range(n_reps - len(reps))]
    chosen = (
        [(u, "sales_rep") for u in reps]
        + [(managers[i % len(managers)], "sales_manager") for i in range(n_managers)]
        + [(head_office[i % len(head_office)], "head_office") for i in range(n_office)]
    )
    out = []
    for username, role in chosen:
        p = Person(username, role)
        if role == "sales_rep":
            p.clinics = list(
                Clinic.objects.filter(territory__rep__username=username)
                .order_by("-potential")
                .values_list("pk", flat=True)[:30]
            )
        p.pages = pages_for(p, campaign.slug if campaign else None)
        out.append(p)
    info = {
        "clinics": Clinic.objects.count(),
        "campaign": campaign.slug if campaign else None,
        "users_by_role": {r: len(v) for r, v in by_role.items()},
    }
    return out, info


def pages_for(p: Person, slug: str | None) -> list[tuple[str, str, float]]:
    """What each role opens, with how often (weights), dashboards first."""
    dash = "/measurement/dashboards"
    pages: list[tuple[str, str, float]] = [("GET home", "/", 1.0)]
    if p.role == "sales_rep":
        pages += [
            ("GET territory dashboard", f"{dash}/territory/", 4.0),
            ("GET field clinics list", "/field/clinics/", 2.0),
            ("GET field activities list", "/field/activities/", 1.0),
        ]
        if p.clinics:
            pages.append(("GET clinic page", f"/field/clinics/{p.clinics[0]}/", 2.0))
    elif p.role == "sales_manager":
        pages += [
            ("GET sales dashboard", f"{dash}/sales/", 4.0),
            ("GET marketing dashboard", f"{dash}/marketing/", 2.0),
            ("GET territory dashboard", f"{dash}/territory/", 2.0),
            ("GET field territories", "/field/", 1.0),
        ]
    else:
        pages += [
            ("GET marketing dashboard", f"{dash}/marketing/", 4.0),
            ("GET sales dashboard", f"{dash}/sales/", 2.0),
            ("GET territory dashboard", f"{dash}/territory/", 2.0),
            ("GET campaigns list", "/campaigns/", 1.0),
        ]
        if slug:
            pages.append(("GET campaign page", f"/campaigns/{slug}/", 1.0))
    return pages


# --------------------------------------------------------------------------- HTTP


class Browser:
    """One user's keep-alive connection and cookies."""

    def __init__(self, host: str, port: int, timeout: float = 60) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None, cookies: bool = True
    ) -> tuple[int, str, float]:
        headers = {"Host": f"{self.host}:{self.port}"}
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        start = time.perf_counter()
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except TimeoutError:
                self._reconnect()  # the answer may still come: never on this connection
                raise
            except (http.client.HTTPException, OSError):
                self._reconnect()  # the server closed an idle keep-alive: try once more
                if attempt:
                    raise
        elapsed = time.perf_counter() - start
        if cookies:
            for header in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(header)
                for key, morsel in jar.items():
                    self.cookies[key] = morsel.value
        return response.status, text, elapsed

    def _reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def csrf(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        return match.group(1) if match else self.cookies.get("csrftoken", "")

    def login(self, username: str, password: str) -> None:
        _, html, _ = self.request("GET", "/accounts/login/")
        status, _, _ = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf(html)},
        )
        if status != 302:
            raise RuntimeError(f"login of {username} failed ({status})")


@dataclass
class Sample:
    label: str
    seconds: float
    ok: bool


def log_activity(b: Browser, clinic: int) -> tuple[int, float]:
    path = f"/field/clinics/{clinic}/activities/new/"
    status, html, _ = b.request("GET", path)
    if status != 200:
        return status, 0.0
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    status, _, seconds = b.request(
        "POST",
        path,
        {
            "csrfmiddlewaretoken": b.csrf(html),
            "kind": "call",
            "occurred_at": when,
            "summary": "Load test: talked about the VHS.",
        },
    )
    return status, seconds


@dataclass
class Window:
    """When samples count: set once every user has logged in (logins hash passwords, a
    CPU burst no browsing user sees), ``warmup`` seconds later, for ``duration``."""

    logged_in: threading.Barrier
    start: float = float("inf")
    end: float = float("inf")


def user_loop(
    p: Person,
    host: str,
    port: int,
    window: Window,
    think: float,
    activity_share: float,
    seed: int,
    out: list[Sample],
    errors: list[str],
    timeout: float = 60,
) -> None:
    rng = random.Random(seed)
    b = Browser(host, port, timeout)
    anon = Browser(host, port, timeout)
    labels = [lab for lab, _, _ in p.pages]
    weights = [w for _, _, w in p.pages]
    try:
        b.login(p.username, DEMO_PASSWORD)
    except Exception as exc:  # a user who cannot start is reported, not hidden
        errors.append(f"{p.username} (start): {type(exc).__name__}: {exc}")
        return
    finally:
        window.logged_in.wait()
    # Users start one think time apart, as people do, not all in the same instant; the
    # warm-up lets that settle before anything is measured.
    time.sleep(rng.expovariate(1 / think) if think > 0 else 0)
    while time.monotonic() < window.end:
        measured = time.monotonic() >= window.start
        roll = rng.random()
        start = time.perf_counter()
        if roll < 0.08:
            label, expected = BASELINE, 200
        elif p.clinics and roll < 0.08 + activity_share:
            label, expected = LOG_ACTIVITY, 302
        else:
            label, expected = rng.choices(labels, weights)[0], 200
        try:
            if label == BASELINE:
                status, _, sec = anon.request("GET", "/accounts/login/", cookies=False)
            elif label == LOG_ACTIVITY:
                status, sec = log_activity(b, rng.choice(p.clinics))
            else:
                path = next(pth for lab, pth, _ in p.pages if lab == label)
                status, _, sec = b.request("GET", path)
        except Exception as exc:  # a timeout or a dropped connection counts as an error
            status, sec = 0, time.perf_counter() - start
            if measured:
                errors.append(f"{p.username} {label}: {type(exc).__name__}: {exc}")
        else:
            if status != expected and measured:
                errors.append(f"{p.username} {label}: HTTP {status}")
        if measured:
            out.append(Sample(label, sec, status == expected))
        time.sleep(rng.expovariate(1 / think) if think > 0 else 0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def report(samples: list[Sample], seconds: float) -> str:
    by_label: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_label[s.label].append(s)
    order = sorted(by_label, key=lambda lab: (lab != BASELINE, lab))
    lines = [
        "| page | requests | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label in order:
        ss = by_label[label]
        ms = [s.seconds * 1000 for s in ss]
        lines.append(
            f"| {label} | {len(ss)} | {sum(not s.ok for s in ss)} | "
            f"{statistics.median(ms):.0f} | {percentile(ms, 0.95):.0f} | "
            f"{percentile(ms, 0.99):.0f} | {max(ms):.0f} |"
        )
    lines.append("")
    lines.append(f"{len(samples)} requests in {seconds:.0f} s: {len(samples) / seconds:.1f} req/s")
    return "\n".join(lines)


def _loopback(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    addresses = {ai[4][0] for ai in socket.getaddrinfo(host, None)}
    if not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise SystemExit(f"{url}: the load test only runs against this machine (loopback)")
    return host, parts.port or 80


def run_load(args: argparse.Namespace) -> None:
    host, port = _loopback(args.url)
    _django(args.home)
    persons, info = people(args.users, args.seed)
    print(f"{len(persons)} users on {info['clinics']:,} clinics; campaign {info['campaign']}")
    samples: list[Sample] = []
    errors: list[str] = []
    window = Window(threading.Barrier(len(persons) + 1))
    threads = [
        threading.Thread(
            target=user_loop,
            args=(p, host, port, window, args.think, args.activities, args.seed + i),
            kwargs={"out": samples, "errors": errors, "timeout": args.timeout},
            daemon=True,
        )
        for i, p in enumerate(persons)
    ]
    load_before = os.getloadavg()
    for t in threads:
        t.start()
    window.logged_in.wait()
    window.start = time.monotonic() + args.warmup
    window.end = window.start + args.duration
    for t in threads:
        t.join(timeout=args.warmup + args.duration + 120)
    load_after = os.getloadavg()
    table = report(samples, args.duration)
    print(table)
    print(
        f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} ({os.cpu_count()} CPUs)"
    )
    print(f"errors: {len(errors)}")
    for e in errors[:20]:
        print("  ", e)
    if errors and args.strict:
        raise SystemExit(1)


# --------------------------------------------------------------------------- profile


def run_profile(args: argparse.Namespace) -> None:
    """Each page once per role, in-process: wall time, SQL count and SQL time."""
    _django(args.home)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from onevoice.accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    persons, info = people(max(args.users, 12), args.seed)
    seen: set[tuple[str, str]] = set()
    print(f"{info['clinics']:,} clinics; campaign {info['campaign']}")
    print("| role | page | ms (2nd request) | queries | SQL ms | slowest query ms |")
    print("|---|---|---:|---:|---:|---:|")
    for p in persons:
        for label, path, _ in p.pages:
            if (p.role, label) in seen or (args.only and args.only not in label):
                continue
            seen.add((p.role, label))
            client = Client()
            client.force_login(User.objects.get(username=p.username))
            client.get(path)  # warm caches, as in the load run
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(path)
                ms = (time.perf_counter() - start) * 1000
            times = [float(q["time"]) * 1000 for q in ctx.captured_queries]
            print(
                f"| {p.role} | {label} ({response.status_code}) | {ms:.0f} | {len(times)} | "
                f"{sum(times):.0f} | {max(times, default=0):.0f} |"
            )
            if args.verbose and times:
                worst = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]
                for q in worst:
                    print(f"|   | {float(q['time']) * 1000:.0f} ms: `{q['sql'][:300]}` | | | | |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a loopback server")
    parser.add_argument("--home", help="data directory (default: $ONEVOICE_HOME)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="measured seconds")
    parser.add_argument(
        "--warmup", type=float, default=10, help="seconds of browsing after every login, unmeasured"
    )
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--activities", type=float, default=0.1, help="share of logged activities")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60, help="seconds before a request fails")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any error")
    parser.add_argument("--profile", action="store_true", help="per-page SQL profile, no load")
    parser.add_argument("--verbose", action="store_true", help="with --profile: slowest SQL")
    parser.add_argument("--only", default="", help="with --profile: pages whose label has this")
    args = parser.parse_args(argv)
    if args.profile:
        run_profile(args)
    else:
        run_load(args)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    main()
