"""Loading an organisation (regions, teams, territories, people) in one go."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Region, Team, Territory, User
from onevoice.accounts.services import user_create


@dataclass(frozen=True)
class PersonRow:
    username: str
    role: Role
    first_name: str
    last_name: str
    region_code: str | None = None


@dataclass(frozen=True)
class TerritoryRow:
    code: str
    name: str
    region_code: str
    rep_username: str | None


@transaction.atomic
def org_load(
    *,
    regions: Iterable[tuple[str, str]],
    people: Iterable[PersonRow],
    territories: Iterable[TerritoryRow],
    password: str | None,
) -> dict[str, int]:
    """Create what does not exist yet; one team per region led by its sales manager.

    Existing rows (matched by code or username) are left as they are, so loading the
    same organisation twice changes nothing.
    """
    created = {"regions": 0, "users": 0, "territories": 0}
    by_code: dict[str, Region] = {}
    for code, name in regions:
        region, new = Region.objects.get_or_create(code=code, defaults={"name": name})
        by_code[code] = region
        created["regions"] += new
    existing_users = set(User.objects.values_list("username", flat=True))
    new_ids = []
    for p in people:
        if p.username in existing_users:
            continue
        user = user_create(
            username=p.username,
            password=None,
            role=p.role,
            first_name=p.first_name,
            last_name=p.last_name,
            home_region=by_code.get(p.region_code) if p.region_code else None,
        )
        new_ids.append(user.pk)
        created["users"] += 1
    if password is not None and new_ids:
        # One hash for all: hashing is deliberately slow (~0.3 s), and a load of many
        # people with one initial password would otherwise spend most of its time here.
        User.objects.filter(pk__in=new_ids).update(password=make_password(password))
    users = {u.username: u for u in User.objects.all()}
    teams: dict[str, Team] = {}
    for region in by_code.values():
        manager = (
            User.objects.filter(home_region=region, groups__name=Role.SALES_MANAGER)
            .order_by("username")
            .first()
        )
        team, _ = Team.objects.get_or_create(
            name=f"{region.name} team", defaults={"region": region, "manager": manager}
        )
        teams[region.code] = team
    for t in territories:
        _, new = Territory.objects.get_or_create(
            code=t.code,
            defaults={
                "name": t.name,
                "region": by_code[t.region_code],
                "team": teams.get(t.region_code),
                "rep": users.get(t.rep_username) if t.rep_username else None,
            },
        )
        created["territories"] += new
    return created
