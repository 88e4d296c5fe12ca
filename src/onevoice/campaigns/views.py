"""Campaign pages. Views parse input, call permissions and services, and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from onevoice.accounts.choices import Role
from onevoice.accounts.permissions import request_user, role_required
from onevoice.campaigns import forms, selectors, services
from onevoice.campaigns import permissions as perms
from onevoice.campaigns.choices import CampaignStatus, Decision
from onevoice.campaigns.models import (
    AssetVersion,
    Campaign,
    KeyMessage,
    KpiTarget,
    Objection,
    ObjectionResponse,
)
from onevoice.campaigns.services import CampaignRuleError, StaleEdit
from onevoice.campaigns.uploads import UploadRefused

ALL = tuple(Role)
REFUSALS = (CampaignRuleError, UploadRefused)


def _campaign(request: HttpRequest, slug: str) -> Campaign:
    campaign = get_object_or_404(
        Campaign.objects.select_related("marketing_lead", "sales_lead"), slug=slug
    )
    return perms.access_campaign(user=request_user(request), campaign=campaign)


def _back(campaign: Campaign, anchor: str = "") -> HttpResponse:
    url = reverse("campaigns:detail", args=[campaign.slug])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _refused(
    request: HttpRequest, campaign: Campaign, exc: Exception, anchor: str = ""
) -> HttpResponse:
    messages.error(request, str(exc))
    return _back(campaign, anchor)


def _refused_in_form(form: Any, exc: CampaignRuleError) -> None:
    """Show a rule's refusal beside the input it is about, else above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def _products_said(campaign: Campaign) -> str:
    skus = selectors.campaign_skus(campaign=campaign)
    return ", ".join(skus) if skus else "none chosen yet"


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label or field if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


@role_required(*ALL)
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "campaigns/list.html",
        {
            "campaigns": selectors.campaign_list_for(user=user),
            "can_create": perms.can_create_campaign(user=user),
        },
    )


@role_required(*ALL)
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    perms.require(perms.can_create_campaign(user=user))
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(user=user, **form.cleaned_data)
        except CampaignRuleError as exc:
            _refused_in_form(form, exc)
        else:
            messages.success(
                request,
                f"Campaign “{campaign.name}” created as a draft; "
                f"products counted: {_products_said(campaign)}.",
            )
            return _back(campaign)
    return render(request, "campaigns/form.html", {"form": form, "title": "New campaign"})


@role_required(*ALL)
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    lead = perms.lead_function(user=user, campaign=campaign)
    context = {
        "campaign": campaign,
        "products_counted": selectors.campaign_products(campaign=campaign),
        "messages_list": selectors.messages_for(campaign=campaign, user=user),
        "objections": selectors.objections_for(campaign=campaign, user=user),
        "assets": selectors.assets_for(campaign=campaign, user=user),
        "kpis": selectors.kpi_plan_for(campaign=campaign),
        "signoffs": selectors.signoff_state(campaign=campaign),
        "comments": campaign.comments.select_related("author").filter(asset_version=None),
        "transitions": services.TRANSITIONS[campaign.status],
        "statuses": CampaignStatus,
        "lead": lead,
        "can": {
            "edit_brief": perms.can_edit_brief(user=user, campaign=campaign),
            "edit_kpis": perms.can_edit_kpis(user=user, campaign=campaign),
            "raise": perms.can_raise_objection(user=user, campaign=campaign),
            "answer": perms.can_answer_objection(user=user, campaign=campaign),
            "approve": perms.can_approve_claims(user=user),
            "asset_create": perms.can_create_asset(user=user),
            "asset_decide": perms.asset_function_of(user=user) is not None,
            "asset_use": perms.can_record_asset_use(user=user),
            "comment": perms.can_comment(user=user, campaign=campaign),
            "transition": lead is not None,
            "sign": lead is not None
            and campaign.status in {CampaignStatus.CO_CREATION, CampaignStatus.READY},
            "see_drafts": perms.can_see_unapproved(user=user),
        },
        "forms": {
            "message": forms.MessageForm(),
            "evidence": forms.EvidenceForm(),
            "objection": forms.ObjectionForm(),
            "asset": forms.AssetForm(),
            "version": forms.AssetVersionForm(),
            "decision": forms.DecisionForm(),
            "kpi": forms.KpiForm(initial={"edit_version": 0}),
            "comment": forms.CommentForm(),
        },
    }
    return render(request, "campaigns/detail.html", context)


@role_required(*ALL)
def brief_edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_edit_brief(user=user, campaign=campaign))
    initial = {f: getattr(campaign, f) for f in services.BRIEF_FIELDS}
    initial["skus"] = selectors.campaign_products(campaign=campaign)
    form = forms.BriefForm(
        request.POST or None, initial={**initial, "edit_version": campaign.edit_version}
    )
    stale = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected = data.pop("edit_version")
        try:
            services.campaign_brief_update(
                campaign=campaign, user=user, expected_edit_version=expected, **data
            )
        except StaleEdit as exc:
            current = exc.current
            diff = {
                f: selectors.text_diff(str(data[f]), str(getattr(current, f)))
                for f in services.BRIEF_FIELDS
                if data[f] != getattr(current, f)
            }
            mine = " ".join(sorted(p.sku for p in data["skus"]))
            theirs = " ".join(selectors.campaign_skus(campaign=current))
            if mine != theirs:
                diff["products counted"] = selectors.text_diff(mine, theirs)
            stale = {"message": str(exc), "diff": diff}
            # Re-arm the form on the current version so the next save is a deliberate one.
            form = forms.BriefForm(initial={**data, "edit_version": current.edit_version})
        except CampaignRuleError as exc:
            _refused_in_form(form, exc)
        else:
            messages.success(request, f"Brief saved; products counted: {_products_said(campaign)}.")
            return _back(campaign)
    return render(
        request,
        "campaigns/form.html",
        {
            "form": form,
            "title": f"Edit the brief of {campaign.name}",
            "campaign": campaign,
            "stale": stale,
        },
    )


@require_POST
@role_required(*ALL)
def campaign_transition(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.lead_function(user=user, campaign=campaign) is not None)
    target = request.POST.get("target", "")
    if target not in CampaignStatus.values:
        return _refused(request, campaign, ValueError(f"Unknown status {target!r}."))
    try:
        services.campaign_transition(campaign=campaign, user=user, target=target)
    except CampaignRuleError as exc:
        return _refused(request, campaign, exc)
    messages.success(request, f"Campaign is now {CampaignStatus(target).label.lower()}.")
    return _back(campaign)


@require_POST
@role_required(*ALL)
def campaign_sign(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.lead_function(user=user, campaign=campaign) is not None)
    try:
        signoff = services.campaign_sign(campaign=campaign, user=user)
    except CampaignRuleError as exc:
        return _refused(request, campaign, exc, "signoff")
    messages.success(request, f"You signed version {signoff.content_version}.")
    return _back(campaign, "signoff")


@role_required(*ALL)
def campaign_history(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    diffs = selectors.brief_history(campaign=campaign)
    for message in selectors.messages_for(campaign=campaign, user=user):
        diffs.extend(selectors.message_history(message=message))
    diffs.sort(key=lambda d: d.at, reverse=True)  # type: ignore[arg-type, return-value]
    return render(
        request,
        "campaigns/history.html",
        {
            "campaign": campaign,
            "diffs": diffs,
            "signoffs": selectors.signoff_state(campaign=campaign),
        },
    )


# --- key messages ----------------------------------------------------------------------


def _message(campaign: Campaign, pk: int) -> KeyMessage:
    return get_object_or_404(KeyMessage, pk=pk, campaign=campaign)


@require_POST
@role_required(*ALL)
def message_create(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_edit_brief(user=user, campaign=campaign))
    form = forms.MessageForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(campaign, "messages")
    message = services.message_create(
        campaign=campaign,
        user=user,
        title=form.cleaned_data["title"],
        text=form.cleaned_data["text"],
    )
    return _back(campaign, f"message-{message.pk}")


@role_required(*ALL)
def message_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_edit_brief(user=user, campaign=campaign))
    message = _message(campaign, pk)
    form = forms.MessageForm(
        request.POST or None,
        initial={
            "title": message.title,
            "text": message.text,
            "edit_version": message.edit_version,
        },
    )
    stale = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.message_update(
                message=message,
                user=user,
                expected_edit_version=data["edit_version"] or 0,
                title=data["title"],
                text=data["text"],
            )
        except StaleEdit as exc:
            current = exc.current
            base = message.revisions.filter(edit_version=data["edit_version"]).first()
            stale = {
                "message": str(exc),
                "diff": {
                    "text": selectors.text_diff(base.text if base else data["text"], current.text),
                    "title": selectors.text_diff(
                        base.title if base else data["title"], current.title
                    ),
                },
            }
            form = forms.MessageForm(initial={**data, "edit_version": current.edit_version})
        else:
            messages.success(request, "Key message saved; it needs a reviewer's approval again.")
            return _back(campaign, f"message-{message.pk}")
    return render(
        request,
        "campaigns/form.html",
        {
            "form": form,
            "title": f"Edit key message “{message.title}”",
            "campaign": campaign,
            "stale": stale,
        },
    )


@require_POST
@role_required(*ALL)
def message_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_approve_claims(user=user))
    message = _message(campaign, pk)
    try:
        services.message_approve(message=message, user=user)
    except CampaignRuleError as exc:
        return _refused(request, campaign, exc, f"message-{pk}")
    return _back(campaign, f"message-{pk}")


@require_POST
@role_required(*ALL)
def message_evidence_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_edit_brief(user=user, campaign=campaign))
    message = _message(campaign, pk)
    form = forms.EvidenceForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        services.evidence_add(user=user, message=message, **form.cleaned_data)
    return _back(campaign, f"message-{pk}")


# --- objections ------------------------------------------------------------------------


def _objection(campaign: Campaign, pk: int) -> Objection:
    return get_object_or_404(Objection, pk=pk, campaign=campaign)


@require_POST
@role_required(*ALL)
def objection_raise(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_raise_objection(user=user, campaign=campaign))
    form = forms.ObjectionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(campaign, "objections")
    objection = services.objection_raise(campaign=campaign, user=user, **form.cleaned_data)
    messages.success(request, "Objection raised; marketing will answer it.")
    return _back(campaign, f"objection-{objection.pk}")


@require_POST
@role_required(*ALL)
def objection_upvote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_raise_objection(user=user, campaign=campaign))
    services.objection_upvote(objection=_objection(campaign, pk), user=user)
    return _back(campaign, f"objection-{pk}")


@role_required(*ALL)
def response_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_answer_objection(user=user, campaign=campaign))
    objection = _objection(campaign, pk)
    current = ObjectionResponse.objects.filter(objection=objection).first()
    initial = (
        {
            "text": current.text,
            "clinical_claim": current.clinical_claim,
            "edit_version": current.edit_version,
        }
        if current
        else {"clinical_claim": True}
    )
    form = forms.ResponseForm(request.POST or None, initial=initial)
    stale = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.response_save(
                objection=objection,
                user=user,
                text=data["text"],
                clinical_claim=data["clinical_claim"],
                expected_edit_version=data["edit_version"],
            )
        except StaleEdit as exc:
            stale = {
                "message": str(exc),
                "diff": {"text": selectors.text_diff(data["text"], exc.current.text)},
            }
            form = forms.ResponseForm(initial={**data, "edit_version": exc.current.edit_version})
        else:
            messages.success(request, "Response saved; add evidence and ask for approval.")
            return _back(campaign, f"objection-{pk}")
    return render(
        request,
        "campaigns/form.html",
        {
            "form": form,
            "title": f"Answer: “{objection.text[:80]}”",
            "campaign": campaign,
            "stale": stale,
        },
    )


def _response(objection: Objection) -> ObjectionResponse:
    response = ObjectionResponse.objects.filter(objection=objection).first()
    if response is None:
        raise Http404("This objection has no response yet.")
    return response


@require_POST
@role_required(*ALL)
def response_evidence_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_answer_objection(user=user, campaign=campaign))
    response = _response(_objection(campaign, pk))
    form = forms.EvidenceForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        services.evidence_add(user=user, response=response, **form.cleaned_data)
    return _back(campaign, f"objection-{pk}")


@require_POST
@role_required(*ALL)
def response_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    is_reviewer = perms.can_approve_claims(user=user)
    perms.require(is_reviewer or perms.can_create_campaign(user=user))
    try:
        services.response_approve(
            response=_response(_objection(campaign, pk)), user=user, as_reviewer=is_reviewer
        )
    except CampaignRuleError as exc:
        return _refused(request, campaign, exc, f"objection-{pk}")
    return _back(campaign, f"objection-{pk}")


# --- assets ----------------------------------------------------------------------------


def _version(request: HttpRequest, pk: int) -> AssetVersion:
    version = get_object_or_404(AssetVersion.objects.select_related("asset__campaign"), pk=pk)
    user = request_user(request)
    perms.access_campaign(user=user, campaign=version.asset.campaign)
    if not perms.can_see_unapproved(user=user) and not services.asset_version_available(version):
        raise Http404("No such asset version.")
    return version


@require_POST
@role_required(*ALL)
def asset_create(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_create_asset(user=user))
    form = forms.AssetForm(request.POST)
    version_form = forms.AssetVersionForm(request.POST, request.FILES)
    if not (form.is_valid() and version_form.is_valid()):
        _form_errors(request, form)
        _form_errors(request, version_form)
        return _back(campaign, "assets")
    try:
        asset = services.asset_create(
            campaign=campaign, user=user, **form.cleaned_data, **version_form.cleaned_data
        )
    except REFUSALS as exc:
        return _refused(request, campaign, exc, "assets")
    return _back(campaign, f"asset-{asset.pk}")


@require_POST
@role_required(*ALL)
def asset_version_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_create_asset(user=user))
    asset = get_object_or_404(campaign.assets, pk=pk)
    form = forms.AssetVersionForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(campaign, f"asset-{pk}")
    try:
        services.asset_version_add(asset=asset, user=user, **form.cleaned_data)
    except REFUSALS as exc:
        return _refused(request, campaign, exc, f"asset-{pk}")
    return _back(campaign, f"asset-{pk}")


@require_POST
@role_required(*ALL)
def asset_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    version = _version(request, pk)
    function = perms.asset_function_of(user=user)
    perms.require(function is not None)
    assert function is not None
    form = forms.DecisionForm(request.POST)
    campaign = version.asset.campaign
    if not form.is_valid():
        _form_errors(request, form)
        return _back(campaign, f"asset-{version.asset_id}")
    try:
        services.asset_decide(
            version=version,
            user=user,
            function=function,
            decision=Decision(form.cleaned_data["decision"]),
            comment=form.cleaned_data["comment"],
        )
    except CampaignRuleError as exc:
        return _refused(request, campaign, exc, f"asset-{version.asset_id}")
    return _back(campaign, f"asset-{version.asset_id}")


@role_required(*ALL)
def asset_version_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    version = _version(request, pk)
    return render(
        request,
        "campaigns/asset_version.html",
        {
            "version": version,
            "campaign": version.asset.campaign,
            "comments": version.comments.select_related("author"),
            "approvals": version.approvals.select_related("user"),
            "available": services.asset_version_available(version),
            "can_use": perms.can_record_asset_use(user=user),
            "can_comment": perms.can_comment(user=user, campaign=version.asset.campaign),
        },
    )


@role_required(*ALL)
def asset_download(request: HttpRequest, pk: int) -> FileResponse:
    version = _version(request, pk)
    if not version.file:
        raise Http404("This version is a page, not a file.")
    # Served as an attachment with the type checked at upload: never rendered as HTML.
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        content_type=version.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@role_required(*ALL)
def asset_use(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    perms.require(perms.can_record_asset_use(user=user))
    version = _version(request, pk)
    try:
        services.asset_use_record(version=version, user=user)
    except CampaignRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Recorded your use of {version}.")
    return redirect("campaigns:asset_version", pk=pk)


@require_POST
@role_required(*ALL)
def asset_comment(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    version = _version(request, pk)
    perms.require(perms.can_comment(user=user, campaign=version.asset.campaign))
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        services.comment_add(
            campaign=version.asset.campaign,
            user=user,
            text=form.cleaned_data["text"],
            about=str(version),
            asset_version=version,
        )
    else:
        _form_errors(request, form)
    return redirect("campaigns:asset_version", pk=pk)


# --- KPI plan, comments, notifications ---------------------------------------------------


@require_POST
@role_required(*ALL)
def kpi_set(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_edit_kpis(user=user, campaign=campaign))
    form = forms.KpiForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(campaign, "kpis")
    data = dict(form.cleaned_data)
    expected = data.pop("edit_version")
    try:
        services.kpi_set(campaign=campaign, user=user, expected_edit_version=expected, **data)
    except (CampaignRuleError, StaleEdit) as exc:
        # A stale save goes back to the plan, which shows what is stored now.
        return _refused(request, campaign, exc, "kpis")
    return _back(campaign, "kpis")


@require_POST
@role_required(*ALL)
def kpi_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_edit_kpis(user=user, campaign=campaign))
    form = forms.KpiRemoveForm(request.POST)
    expected = form.cleaned_data["edit_version"] if form.is_valid() else None
    kpi = get_object_or_404(KpiTarget, pk=pk, campaign=campaign)
    try:
        services.kpi_remove(kpi=kpi, user=user, expected_edit_version=expected)
    except StaleEdit as exc:
        return _refused(request, campaign, exc, "kpis")
    return _back(campaign, "kpis")


@require_POST
@role_required(*ALL)
def comment_add(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    campaign = _campaign(request, slug)
    perms.require(perms.can_comment(user=user, campaign=campaign))
    form = forms.CommentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(campaign, "comments")
    comment = services.comment_add(campaign=campaign, user=user, **form.cleaned_data)
    return _back(campaign, f"comment-{comment.pk}")


@role_required(*ALL)
def notifications(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        services.notifications_mark_read(user=user)
        return redirect("campaigns:notifications")
    return render(
        request,
        "campaigns/notifications.html",
        {
            "notifications": selectors.notifications_for(user=user)[:100],
        },
    )
