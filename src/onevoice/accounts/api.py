"""API endpoints of accounts."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from onevoice.accounts.permissions import role_of
from onevoice.accounts.selectors import territories_for

router = Router(tags=["accounts"])


class TerritoryOut(Schema):
    code: str
    name: str
    region: str


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    territories: list[TerritoryOut]


@router.get("/me", response=MeOut, summary="The signed-in user, their role and territories")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    role = role_of(user)
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),  # type: ignore[union-attr]
        "role": role.value if role else "",
        "territories": [
            {"code": t.code, "name": t.name, "region": t.region.name}
            for t in territories_for(user=user)  # type: ignore[arg-type]
        ],
    }
