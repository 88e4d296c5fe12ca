"""What each role sees on its home page: where it stands and what to do next.

Only numbers that come from stored data are shown; where the feature that would own a
number does not exist yet, the page says so instead of inventing one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from onevoice.accounts.choices import Role
from onevoice.accounts.models import Territory, User
from onevoice.accounts.permissions import role_of
from onevoice.accounts.selectors import teams_led_by, territories_for, users_by_role
from onevoice.campaigns import selectors as campaign_selectors
from onevoice.field import selectors as field_selectors
from onevoice.measurement.models import SalesBatch
from onevoice.training import selectors as training_selectors


@dataclass
class HomePage:
    """The content of one user's home page."""

    role: Role | None
    headline: str
    next_steps: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[Any]] = field(default_factory=dict)
    todos: list[Any] = field(default_factory=list)


def home_page_for(*, user: User) -> HomePage:
    """Build the home page of ``user`` from their role and the data they may see."""
    role = role_of(user)
    builder = _BUILDERS.get(role) if role else None
    if builder is None:
        return HomePage(
            role=None,
            headline="Your account has no role yet.",
            next_steps=["Ask an administrator to give you a role."],
        )
    page = builder(user)
    page.next_steps.extend(_dashboard_steps(role))
    page.todos = [
        *campaign_selectors.todo_for(user=user),
        *training_selectors.todos_for(user=user),
    ]
    return page


# Each role's measurement page: where its numbers stand against the plan.
_DASHBOARDS = {
    Role.SALES_REP: (
        "measurement:dashboard_territory",
        "Your territory's dashboard: coverage, customer trainings and sales, month by month.",
    ),
    Role.SALES_MANAGER: (
        "measurement:dashboard_sales",
        "Your team's dashboard: readiness, coverage, customer trainings and sales by territory.",
    ),
    Role.MARKETING: (
        "measurement:dashboard_marketing",
        "The campaign's KPIs against the plan, objections heard and asset use; the review.",
    ),
    Role.ANALYST: (
        "measurement:dashboard_marketing",
        "The campaign's KPIs, dashboards and post-implementation review.",
    ),
}


def _dashboard_steps(role: Role | None) -> list[str]:
    if role is None or role not in _DASHBOARDS:
        return []
    name, text = _DASHBOARDS[role]
    return [format_html('<a href="{}" data-testid="dashboard-link">{}</a>', reverse(name), text)]


def _rep(user: User) -> HomePage:
    territories = territories_for(user=user)
    page = HomePage(role=Role.SALES_REP, headline="Your territory")
    if not territories.exists():
        page.next_steps.append("You cover no territory yet; ask your sales manager.")
        return page
    _territory_summary(page, territories)
    targets = field_selectors.untrained_clinics_by_potential(territories=territories)
    page.tables["targets"] = targets
    for territory in territories:
        page.next_steps.append(
            format_html(
                'Work your territory: <a href="{}">{}</a> — target clinics, who is trained, '
                "what was done last.",
                reverse("field:territory", args=[territory.code]),
                territory,
            )
        )
    if targets:
        page.next_steps.append(
            format_html(
                "Train the vets of your highest-potential clinics that have not been trained "
                'yet, starting with <a href="{}">{}</a>: log the customer training from its page.',
                reverse("field:clinic", args=[targets[0].pk]),
                targets[0].name,
            )
        )
    page.next_steps.append(
        format_html(
            'Log each visit, call or e-mail from the clinic\'s page (<a href="{}">your clinics</a>).',
            reverse("field:clinics"),
        )
    )
    return page


def _manager(user: User) -> HomePage:
    teams = list(teams_led_by(user=user))
    page = HomePage(role=Role.SALES_MANAGER, headline="Your team")
    if not teams:
        page.next_steps.append("You lead no team yet; ask an administrator.")
        return page
    page.facts["teams"] = teams
    _territory_summary(page, territories_for(user=user))
    page.next_steps.append(
        format_html(
            'Check which territories are behind on customer trainings: <a href="{}">your '
            "team's territories</a>, with the clinics to train next.",
            reverse("field:territories"),
        )
    )
    return page


# A manager covers about 500 territories: the home page names the few furthest behind and
# links to the paged overview of them all.
SUMMARY_TERRITORIES = 10


def _territory_summary(page: HomePage, territories: QuerySet[Territory]) -> None:
    page.tables["territories"] = field_selectors.territories_needing_attention(
        territories=territories, limit=SUMMARY_TERRITORIES
    )
    page.facts["territories_total"] = territories.count()
    page.facts["territories_url"] = reverse("field:territories") + "?sort=attention"


def _field_vet(user: User) -> HomePage:
    page = HomePage(role=Role.FIELD_VET, headline="Customer trainings you co-delivered")
    page.facts["region"] = user.home_region
    page.tables["trainings"] = field_selectors.trainings_codelivered_by(user_id=user.pk)
    if not page.tables["trainings"]:
        page.next_steps.append("Plan a customer training with a rep of your region.")
    else:
        page.next_steps.append(
            format_html(
                'Enter the vets\' test scores of <a href="{}">the trainings you co-delivered</a>.',
                reverse("field:trainings") + "?mine=codelivered",
            )
        )
    return page


def _head_office(role: Role, headline: str, step: str) -> Any:
    def build(user: User) -> HomePage:
        return HomePage(role=role, headline=headline, next_steps=[step])

    return build


def _analyst(user: User) -> HomePage:
    page = HomePage(role=Role.ANALYST, headline="Sales data and measurement")
    last = SalesBatch.objects.filter(rolled_back_at__isnull=True).first()
    if last is None:
        page.next_steps.append("Import the distributor sales files (Sales data).")
    else:
        page.facts["last_import"] = last
        page.next_steps.append(
            "Import each new distributor file as it arrives; refused rows wait in quarantine."
        )
    page.next_steps.append(
        "Run the uplift analysis: did training vets lift sales, and by how much?"
    )
    return page


def _admin(user: User) -> HomePage:
    page = HomePage(role=Role.ADMIN, headline="Users and territories")
    page.facts["users_by_role"] = users_by_role()
    unassigned = territories_for(user=user).filter(rep__isnull=True)
    page.tables["unassigned_territories"] = list(unassigned)
    if page.tables["unassigned_territories"]:
        page.next_steps.append("Assign a rep to every territory that has none.")
    page.next_steps.append("Manage users, roles and territories in the administration site.")
    return page


_BUILDERS = {
    Role.SALES_REP: _rep,
    Role.SALES_MANAGER: _manager,
    Role.FIELD_VET: _field_vet,
    Role.MARKETING: _head_office(
        Role.MARKETING,
        "The launch campaign",
        "Open the campaign to co-create its brief, messages and KPI plan with sales.",
    ),
    Role.REVIEWER: _head_office(
        Role.REVIEWER,
        "Claims and assets to review",
        "Approve the key messages, objection responses and sales tools awaiting you.",
    ),
    Role.ANALYST: _analyst,
    Role.ADMIN: _admin,
}
