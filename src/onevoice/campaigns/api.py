"""API endpoints of campaigns (mounted at /api/campaigns/); same rules as the pages."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from onevoice.accounts.permissions import request_user
from onevoice.campaigns import permissions as perms
from onevoice.campaigns import selectors, services
from onevoice.campaigns.choices import Frequency
from onevoice.campaigns.models import Campaign, Objection
from onevoice.campaigns.services import CampaignRuleError

router = Router(tags=["campaigns"])


class CampaignOut(Schema):
    slug: str
    name: str
    product: str
    indication: str
    status: str
    content_version: int
    start_date: dt.date
    end_date: dt.date
    skus: list[str]

    @staticmethod
    def resolve_skus(obj: Campaign) -> list[str]:
        """The SKU codes whose sales the campaign's KPIs and uplift count."""
        return selectors.campaign_skus(campaign=obj)


class EvidenceOut(Schema):
    citation: str
    link: str
    excerpt: str
    level: str
    reported: bool


class MessageOut(Schema):
    id: int
    title: str
    text: str
    status: str
    evidence: list[EvidenceOut]


class ObjectionOut(Schema):
    id: int
    text: str
    segment: str
    frequency: str
    times_heard: int
    votes: int
    response: str | None
    response_status: str | None


class ObjectionIn(Schema):
    text: str
    segment: str = ""
    frequency: Frequency = Frequency.SOMETIMES


class SignOffOut(Schema):
    function: str
    content_version: int
    signed_at: dt.datetime


def _campaign(request: HttpRequest, slug: str) -> Campaign:
    campaign = get_object_or_404(Campaign, slug=slug)
    try:
        return perms.access_campaign(user=request_user(request), campaign=campaign)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None


def _require(allowed: bool) -> None:
    if not allowed:
        raise HttpError(403, perms.ERROR_NOT_ALLOWED)


@router.get("/", response=list[CampaignOut], summary="Campaigns you may open")
def campaign_list(request: HttpRequest) -> object:
    return list(selectors.campaign_list_for(user=request_user(request)).prefetch_related("skus"))


@router.get("/{slug}", response=CampaignOut)
def campaign_detail(request: HttpRequest, slug: str) -> object:
    return _campaign(request, slug)


@router.get("/{slug}/messages", response=list[MessageOut], summary="Key messages with evidence")
def message_list(request: HttpRequest, slug: str) -> object:
    campaign = _campaign(request, slug)
    return [
        {
            "id": m.pk,
            "title": m.title,
            "text": m.text,
            "status": m.status,
            "evidence": list(m.evidence.all()),
        }
        for m in selectors.messages_for(campaign=campaign, user=request_user(request))
    ]


def _objection_out(o: Objection) -> dict[str, object]:
    response = getattr(o, "visible_response", None)
    return {
        "id": o.pk,
        "text": o.text,
        "segment": o.segment,
        "frequency": o.frequency,
        "times_heard": o.times_heard,
        "votes": getattr(o, "votes", 0),
        "response": response.text if response else None,
        "response_status": response.status if response else None,
    }


@router.get("/{slug}/objections", response=list[ObjectionOut])
def objection_list(request: HttpRequest, slug: str) -> object:
    campaign = _campaign(request, slug)
    return [
        _objection_out(o)
        for o in selectors.objections_for(campaign=campaign, user=request_user(request))
    ]


@router.post("/{slug}/objections", response={201: ObjectionOut}, summary="Raise an objection")
def objection_raise(request: HttpRequest, slug: str, payload: ObjectionIn) -> object:
    user = request_user(request)
    campaign = _campaign(request, slug)
    _require(perms.can_raise_objection(user=user, campaign=campaign))
    if not payload.text.strip():
        raise HttpError(422, "text: say what the vet objects, in their words.")
    objection = services.objection_raise(
        campaign=campaign,
        user=user,
        text=payload.text.strip(),
        segment=payload.segment,
        frequency=payload.frequency,
    )
    objection.votes = 0  # type: ignore[attr-defined]
    return Status(201, _objection_out(objection))


@router.post("/{slug}/objections/{objection_id}/upvote", response={200: dict})
def objection_upvote(request: HttpRequest, slug: str, objection_id: int) -> object:
    user = request_user(request)
    campaign = _campaign(request, slug)
    _require(perms.can_raise_objection(user=user, campaign=campaign))
    objection = get_object_or_404(Objection, pk=objection_id, campaign=campaign)
    added = services.objection_upvote(objection=objection, user=user)
    return {"added": added, "votes": objection.objectionvote_set.count()}


@router.post("/{slug}/sign", response={201: SignOffOut}, summary="Sign as the campaign's lead")
def campaign_sign(request: HttpRequest, slug: str) -> object:
    user = request_user(request)
    campaign = _campaign(request, slug)
    _require(perms.lead_function(user=user, campaign=campaign) is not None)
    try:
        return Status(201, services.campaign_sign(campaign=campaign, user=user))
    except CampaignRuleError as exc:
        raise HttpError(409, str(exc)) from None
