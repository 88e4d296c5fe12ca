"""Reads for campaigns: what each user sees, the reps' toolkit, history and diffs."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from onevoice.accounts.choices import Role
from onevoice.accounts.models import User
from onevoice.accounts.permissions import role_of
from onevoice.campaigns.choices import ApprovalStatus, AssetVersionStatus, CampaignStatus, Function
from onevoice.campaigns.models import (
    Asset,
    AssetVersion,
    BriefRevision,
    Campaign,
    KeyMessage,
    KpiTarget,
    Notification,
    Objection,
    Product,
    SignOff,
)
from onevoice.campaigns.permissions import can_see_unapproved

ERROR_UNKNOWN_SKUS = "No product with SKU {skus}: add it to the product list first."


def product_list() -> QuerySet[Product]:
    return Product.objects.all()


def product_choices() -> QuerySet[Product]:
    """Every product, line by line, as a form offers them for a campaign to count."""
    return Product.objects.order_by("family", "sku")


def products_with_skus(*, skus: Iterable[str]) -> list[Product]:
    """The products of these SKU codes; ``LookupError`` names any that is not stored."""
    wanted = set(skus)
    found = list(Product.objects.filter(sku__in=wanted).order_by("family", "sku"))
    missing = wanted - {p.sku for p in found}
    if missing:
        raise LookupError(ERROR_UNKNOWN_SKUS.format(skus=", ".join(sorted(missing))))
    return found


def product_families() -> dict[str, list[str]]:
    """Each product line (family) with its SKUs, sorted: the portfolio a campaign's own
    products are one part of. SKUs with no line recorded are listed under ``""``."""
    families: dict[str, list[str]] = {}
    for family, sku in Product.objects.order_by("family", "sku").values_list("family", "sku"):
        families.setdefault(family, []).append(sku)
    return families


def campaign_products(*, campaign: Campaign) -> list[Product]:
    """The products whose sales the campaign's KPIs and uplift count, line by line."""
    return sorted(campaign.skus.all(), key=lambda p: (p.family, p.sku))


def campaign_skus(*, campaign: Campaign) -> list[str]:
    """The campaign's own SKU codes, sorted; empty when none were chosen (no fallback)."""
    return sorted(p.sku for p in campaign.skus.all())


def campaign_list_for(*, user: User) -> QuerySet[Campaign]:
    """Campaigns the user may open: drafts are for head office only."""
    qs = Campaign.objects.select_related("marketing_lead", "sales_lead")
    if role_of(user) in {Role.SALES_REP, Role.FIELD_VET}:
        qs = qs.exclude(status=CampaignStatus.DRAFT)
    return qs


def campaign_current() -> Campaign | None:
    """The live campaign (or the most recent one), for home pages."""
    return (
        Campaign.objects.filter(status=CampaignStatus.LIVE).order_by("-start_date").first()
        or Campaign.objects.order_by("-start_date").first()
    )


def messages_for(*, campaign: Campaign, user: User) -> list[KeyMessage]:
    qs = campaign.messages.prefetch_related("evidence").select_related("approved_by")
    if not can_see_unapproved(user=user):
        qs = qs.filter(status=ApprovalStatus.APPROVED)
    return list(qs)


def objections_for(*, campaign: Campaign, user: User) -> list[Objection]:
    """Objections, most up-voted and most heard first, with their responses."""
    qs = (
        campaign.objections.select_related("raised_by", "response", "response__approved_by")
        .prefetch_related("response__evidence")
        .annotate(votes=Count("objectionvote", distinct=True))
        .order_by("-votes", "-times_heard", "-raised_at")
    )
    objections: list[Objection] = list(qs)
    voted = set(
        Objection.voters.through.objects.filter(
            objection__campaign=campaign, user=user
        ).values_list("objection_id", flat=True)
    )
    show_drafts = can_see_unapproved(user=user)
    for o in objections:
        o.voted_by_me = o.pk in voted  # type: ignore[attr-defined]
        response = getattr(o, "response", None) if _has_response(o) else None
        o.visible_response = (  # type: ignore[attr-defined]
            response
            if response and (show_drafts or response.status == ApprovalStatus.APPROVED)
            else None
        )
    return objections


def _has_response(objection: Objection) -> bool:
    try:
        objection.response  # noqa: B018 - reverse one-to-one raises when absent
    except ObjectDoesNotExist:
        return False
    return True


def objection_cards_for(*, campaign: Campaign) -> QuerySet[Objection]:
    """Objections with an approved response: the objection cards in the reps' toolkit."""
    return (
        campaign.objections.filter(response__status=ApprovalStatus.APPROVED)
        .select_related("response")
        .prefetch_related("response__evidence")
        .annotate(votes=Count("objectionvote"))
        .order_by("-votes", "-times_heard")
    )


def roleplay_scenarios_for(*, campaign: Campaign, limit: int = 10) -> list[Objection]:
    """The objections to rehearse first: most up-voted and heard, with an approved answer."""
    return list(objection_cards_for(campaign=campaign)[:limit])


def asset_versions_for_reps(*, campaign: Campaign) -> list[AssetVersion]:
    """The approved, unexpired version of each asset: what reps may use."""
    today = timezone.localdate()
    return list(
        AssetVersion.objects.filter(asset__campaign=campaign, status=AssetVersionStatus.APPROVED)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .select_related("asset")
        .order_by("asset__title")
    )


def assets_for(*, campaign: Campaign, user: User) -> list[Asset]:
    """Assets with their versions; reps only see assets with a usable version."""
    versions = AssetVersion.objects.prefetch_related("approvals__user").select_related("created_by")
    qs = campaign.assets.prefetch_related(Prefetch("versions", queryset=versions))
    if not can_see_unapproved(user=user):
        usable = {v.asset_id for v in asset_versions_for_reps(campaign=campaign)}
        qs = qs.filter(pk__in=usable)
    return list(qs)


def kpi_plan_for(*, campaign: Campaign) -> list[KpiTarget]:
    return list(campaign.kpis.all())


@dataclass(frozen=True)
class SignOffState:
    """Where the joint sign-off stands for the campaign's current content version."""

    content_version: int
    standing: dict[str, SignOff]
    voided: list[SignOff]

    @property
    def complete(self) -> bool:
        return all(f in self.standing for f in (Function.MARKETING, Function.SALES))


def signoff_state(*, campaign: Campaign) -> SignOffState:
    signoffs = list(campaign.signoffs.select_related("user"))
    standing = {
        s.function: s
        for s in signoffs
        if s.voided_at is None and s.content_version == campaign.content_version
    }
    voided = [s for s in signoffs if s.voided_at is not None]
    return SignOffState(campaign.content_version, standing, voided)


def brief_revisions(*, campaign: Campaign) -> list[BriefRevision]:
    return list(campaign.revisions.select_related("author"))


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """A word-level diff as (op, text) pairs, op in {"same", "del", "ins"}."""
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", " ".join(a[i1:i2])))
            continue
        if op in {"delete", "replace"}:
            out.append(("del", " ".join(a[i1:i2])))
        if op in {"insert", "replace"}:
            out.append(("ins", " ".join(b[j1:j2])))
    return out


@dataclass(frozen=True)
class RevisionDiff:
    label: str
    older: int
    newer: int
    author: str
    at: object
    fields: dict[str, list[tuple[str, str]]]


def brief_history(*, campaign: Campaign) -> list[RevisionDiff]:
    """Each brief revision against the one before it, newest first."""
    revisions = sorted(brief_revisions(campaign=campaign), key=lambda r: r.content_version)
    diffs = []
    for old, new in itertools.pairwise(revisions):
        fields = {
            name: text_diff(str(getattr(old, name)), str(getattr(new, name)))
            for name in ("objective", "why", "indication", "target_segments")
            if getattr(old, name) != getattr(new, name)
        }
        diffs.append(
            RevisionDiff(
                "Brief",
                old.content_version,
                new.content_version,
                str(new.author or "system"),
                new.created_at,
                fields,
            )
        )
    return diffs[::-1]


def message_history(*, message: KeyMessage) -> list[RevisionDiff]:
    revisions = sorted(message.revisions.select_related("author"), key=lambda r: r.edit_version)
    diffs = []
    for old, new in itertools.pairwise(revisions):
        fields = {
            name: text_diff(getattr(old, name), getattr(new, name))
            for name in ("title", "text")
            if getattr(old, name) != getattr(new, name)
        }
        diffs.append(
            RevisionDiff(
                f"Key message “{new.title}”",
                old.edit_version,
                new.edit_version,
                str(new.author or "system"),
                new.created_at,
                fields,
            )
        )
    return diffs[::-1]


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs


@dataclass(frozen=True)
class Todo:
    """One thing a user should do next, with where to do it."""

    text: str
    url: str


def todo_for(*, user: User) -> list[Todo]:
    """What the user's role has to do next on the open campaigns (not drafts for the field)."""
    role = role_of(user)
    todos: list[Todo] = []
    open_statuses = [
        CampaignStatus.DRAFT,
        CampaignStatus.CO_CREATION,
        CampaignStatus.READY,
        CampaignStatus.LIVE,
    ]
    for campaign in campaign_list_for(user=user).filter(status__in=open_statuses):
        url = f"/campaigns/{campaign.slug}/"
        name = campaign.name
        if role == Role.MARKETING:
            todos.extend(_marketing_todos(campaign, url, name))
        elif role == Role.REVIEWER:
            todos.extend(_reviewer_todos(campaign, url, name))
        elif role == Role.SALES_MANAGER:
            pending = (
                AssetVersion.objects.filter(
                    asset__campaign=campaign, status=AssetVersionStatus.IN_REVIEW
                )
                .exclude(approvals__function=Function.SALES)
                .count()
            )
            if pending:
                todos.append(
                    Todo(
                        f"{name}: {pending} sales tool version(s) await the sales decision.",
                        url + "#assets",
                    )
                )
        if (
            role in {Role.SALES_REP, Role.SALES_MANAGER, Role.FIELD_VET}
            and campaign.status != CampaignStatus.DRAFT
        ):
            todos.append(
                Todo(
                    f"{name}: raise or up-vote the objections you hear from vets.",
                    url + "#objections",
                )
            )
        if campaign.status in {CampaignStatus.CO_CREATION, CampaignStatus.READY}:
            state = signoff_state(campaign=campaign)
            mine = (
                Function.MARKETING
                if user.pk == campaign.marketing_lead_id
                else Function.SALES
                if user.pk == campaign.sales_lead_id
                else None
            )
            if mine and mine not in state.standing:
                todos.append(
                    Todo(
                        f"{name}: sign version {campaign.content_version} as {mine} lead.",
                        url + "#signoff",
                    )
                )
    return todos


def _marketing_todos(campaign: Campaign, url: str, name: str) -> list[Todo]:
    todos = []
    if campaign.status == CampaignStatus.DRAFT:
        todos.append(Todo(f"{name}: finish the brief and open co-creation with sales.", url))
    no_evidence = campaign.messages.filter(evidence__isnull=True).count()
    if no_evidence:
        todos.append(
            Todo(f"{name}: {no_evidence} key message(s) need evidence.", url + "#messages")
        )
    unanswered = campaign.objections.filter(response__isnull=True).count()
    if unanswered:
        todos.append(
            Todo(f"{name}: answer {unanswered} objection(s) from the field.", url + "#objections")
        )
    if not campaign.kpis.exists():
        todos.append(Todo(f"{name}: choose the KPI plan with sales.", url + "#kpis"))
    pending = (
        AssetVersion.objects.filter(asset__campaign=campaign, status=AssetVersionStatus.IN_REVIEW)
        .exclude(approvals__function=Function.MARKETING)
        .count()
    )
    if pending:
        todos.append(
            Todo(
                f"{name}: {pending} sales tool version(s) await the marketing decision.",
                url + "#assets",
            )
        )
    return todos


def _reviewer_todos(campaign: Campaign, url: str, name: str) -> list[Todo]:
    todos = []
    messages = (
        campaign.messages.filter(status=ApprovalStatus.DRAFT, evidence__isnull=False)
        .distinct()
        .count()
    )
    if messages:
        todos.append(
            Todo(f"{name}: {messages} key message claim(s) await your approval.", url + "#messages")
        )
    responses = (
        campaign.objections.filter(
            response__status=ApprovalStatus.DRAFT,
            response__clinical_claim=True,
            response__evidence__isnull=False,
        )
        .distinct()
        .count()
    )
    if responses:
        todos.append(
            Todo(
                f"{name}: {responses} objection response(s) await your approval.",
                url + "#objections",
            )
        )
    pending = (
        AssetVersion.objects.filter(asset__campaign=campaign, status=AssetVersionStatus.IN_REVIEW)
        .exclude(approvals__function=Function.REVIEWER)
        .count()
    )
    if pending:
        todos.append(
            Todo(f"{name}: {pending} sales tool version(s) await your review.", url + "#assets")
        )
    return todos
