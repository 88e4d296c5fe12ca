"""Benchmark: a CRM export of clinics and their vets, previewed then imported, twice.

In a fresh data directory (SQLite, or PostgreSQL when ``DATABASE_URL`` is set), times
and measures the peak memory of:

1. uploading and previewing a clinics CSV (``--clinics`` rows, 1% refused),
2. importing it,
3. the same for a vets CSV (``--vets`` rows),
4. previewing and importing the clinics file again, which recognises every clinic
   (nothing new, the 5% with a changed potential updated).

Peak memory is the process's maximum resident set size so far (``ru_maxrss``),
interpreter and Django included. Usage::

    python benchmarks/bench_field_crm_import.py                       # 20,000 / 50,000
    python benchmarks/bench_field_crm_import.py --clinics 2000 --vets 5000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def _clinics_csv(n: int, bump: bool = False) -> bytes:
    lines = [
        "Account ID,Account Name,Street,City,Region,Territory,Type,Vets,Dogs per year,Potential"
    ]
    for i in range(n):
        potential = (i % 40) + 0.5 + (1 if bump and i % 20 == 0 else 0)
        segment = "independent_small" if i % 100 else "hospital"  # 1% refused
        lines.append(
            f"CL-{i:06},Clinic {i},{i} High St,Town {i % 300},N,N{1 + i % 4},{segment},"
            f"{1 + i % 9},{500 + i % 5000},{potential}"
        )
    return ("\n".join(lines) + "\n").encode()


def _vets_csv(n: int, clinics: int) -> bytes:
    lines = ["Contact ID,Account ID,First name,Last name,Position,Opt-in,E-mail"]
    for i in range(n):
        lines.append(
            f"V-{i:07},CL-{i % clinics:06},Ana{i},Vet{i},associate,{'yes' if i % 3 else 'no'},"
            f"ana{i}@example.org"
        )
    return ("\n".join(lines) + "\n").encode()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = fn()
    print(f"{label:<42} {time.perf_counter() - start:8.2f} s   peak {_peak_mb():7.0f} MB")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clinics", type=int, default=20_000)
    parser.add_argument("--vets", type=int, default=50_000)
    args = parser.parse_args()

    os.environ.setdefault("ONEVOICE_HOME", tempfile.mkdtemp(prefix="bench-field-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "onevoice.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from onevoice.accounts.choices import Role
    from onevoice.accounts.models import Region, Territory
    from onevoice.accounts.services import user_create
    from onevoice.field import crm_import as crm
    from onevoice.field import services
    from onevoice.field.choices import ImportKind

    call_command("migrate", verbosity=0)
    north = Region.objects.get_or_create(code="N", defaults={"name": "North"})[0]
    for k in range(1, 5):
        Territory.objects.get_or_create(code=f"N{k}", defaults={"name": f"N{k}", "region": north})
    admin = user_create(username=f"bench-{time.time_ns()}", password=None, role=Role.ADMIN)
    print(f"{args.clinics:,} clinics, {args.vets:,} vets; home {os.environ['ONEVOICE_HOME']}")

    def run(label: str, kind: str, content: bytes) -> None:
        imp = _timed(
            f"{label}: upload",
            lambda: services.crm_import_start(
                by=admin, kind=kind, file_name=f"{kind}.csv", content=content
            ),
        )
        plan = _timed(
            f"{label}: preview",
            lambda: crm.import_plan(
                kind=ImportKind(kind),
                table=services.crm_import_table(crm_import=imp),
                mapping=imp.mapping,
            ),
        )
        _timed(f"{label}: import", lambda: services.crm_import_commit(crm_import=imp, by=admin))
        print(f"{'':<42} {plan.counts}")

    run("clinics", "clinics", _clinics_csv(args.clinics))
    run("vets", "vets", _vets_csv(args.vets, args.clinics))
    run("clinics again", "clinics", _clinics_csv(args.clinics, bump=True))


if __name__ == "__main__":
    sys.exit(main())
