"""Who may open which dashboard and review, compute KPIs and write lessons.

What a role may do comes from the role table (``accounts/roles.py``); *which clinics*
a dashboard counts comes from the viewer, through the field app's scope (a rep their
territory, a manager their team, head office every clinic). Views call these
functions; none of them tests a role itself.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory, User
from onevoice.accounts.permissions import can_view_territory
from onevoice.campaigns.models import Campaign
from onevoice.campaigns.permissions import can_view_campaign, lead_function
from onevoice.field.permissions import role_may, roles_with

ERROR_DASHBOARD_DENIED = "Your role does not open this dashboard."
ERROR_TERRITORY_DENIED = "This territory is outside your team."
ERROR_REVIEW_DENIED = "Reviews are for the campaign's leads and head office."
ERROR_LESSONS_DENIED = "Only the campaign's marketing and sales leads write its lessons."
ERROR_COMPUTE_DENIED = "Your role cannot compute this campaign's KPIs."

DASHBOARDS = ("marketing", "sales", "territory")


def dashboard_roles(kind: str) -> frozenset[Role]:
    """The roles that open dashboard ``kind`` (for ``role_required``)."""
    return roles_with(f"measurement.view_{kind}_dashboard")


def can_view_dashboard(*, user: User, kind: str) -> bool:
    return kind in DASHBOARDS and role_may(user, f"measurement.view_{kind}_dashboard")


def access_dashboard(*, user: User, kind: str, campaign: Campaign) -> Campaign:
    if not can_view_dashboard(user=user, kind=kind):
        raise PermissionDenied(ERROR_DASHBOARD_DENIED)
    if not can_view_campaign(user=user, campaign=campaign):
        raise PermissionDenied(ERROR_DASHBOARD_DENIED)
    return campaign


def access_dashboard_territory(*, user: User, territory: Territory) -> Territory:
    if not can_view_territory(user=user, territory=territory):
        raise PermissionDenied(ERROR_TERRITORY_DENIED)
    return territory


def can_compute_kpis(*, user: User, campaign: Campaign) -> bool:
    return role_may(user, "measurement.compute_kpis") and can_view_campaign(
        user=user, campaign=campaign
    )


def access_kpi_compute(*, user: User, campaign: Campaign) -> Campaign:
    if not can_compute_kpis(user=user, campaign=campaign):
        raise PermissionDenied(ERROR_COMPUTE_DENIED)
    return campaign


def review_roles() -> frozenset[Role]:
    return roles_with("measurement.view_review")


def can_view_review(*, user: User, campaign: Campaign) -> bool:
    return role_may(user, "measurement.view_review") and can_view_campaign(
        user=user, campaign=campaign
    )


def access_review(*, user: User, campaign: Campaign) -> Campaign:
    if not can_view_review(user=user, campaign=campaign):
        raise PermissionDenied(ERROR_REVIEW_DENIED)
    return campaign


def lessons_function_of(*, user: User, campaign: Campaign) -> str | None:
    """The function whose lessons ``user`` writes on ``campaign`` (its lead), or None."""
    if not role_may(user, "measurement.add_reviewlesson"):
        return None
    function = lead_function(user=user, campaign=campaign)
    return None if function is None else str(function)


def access_lessons(*, user: User, campaign: Campaign) -> str:
    function = lessons_function_of(user=user, campaign=campaign)
    if function is None:
        raise PermissionDenied(ERROR_LESSONS_DENIED)
    return function
