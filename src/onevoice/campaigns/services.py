"""Writes for campaign co-creation. Each runs in a transaction and is audited.

The signed content of a campaign is its brief (with the products whose sales it counts),
its key messages (with their evidence) and its KPI plan. Any change to it goes through ``_content_changed``, which raises the
content version and voids every standing sign-off with the reason, so two leads can
only ever have signed the same thing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from onevoice.accounts.models import User
from onevoice.accounts.services import audit_record
from onevoice.campaigns import kpi_catalogue, permissions
from onevoice.campaigns.choices import (
    ApprovalStatus,
    AssetVersionStatus,
    CampaignStatus,
    Decision,
    Function,
)
from onevoice.campaigns.models import (
    Asset,
    AssetApproval,
    AssetUse,
    AssetVersion,
    BriefRevision,
    Campaign,
    Comment,
    Evidence,
    KeyMessage,
    KeyMessageRevision,
    KpiTarget,
    Notification,
    Objection,
    ObjectionResponse,
    ObjectionVote,
    Product,
    SignOff,
)
from onevoice.campaigns.uploads import check_upload

ERROR_STALE = "{what} was changed by someone else since you opened it. Your save was not applied; review their change below and edit again."
ERROR_TRANSITION = "A campaign cannot go from {current} to {target}."
ERROR_NEEDS_JOINT_KPI = "The KPI plan needs at least one KPI owned jointly by marketing and sales."
ERROR_NEEDS_KPIS = "A campaign cannot leave co-creation without a KPI plan."
ERROR_NEEDS_APPROVED_MESSAGES = (
    "Every key message must be approved before the campaign is ready ({n} not yet)."
)
ERROR_NEEDS_MESSAGES = "A campaign needs at least one approved key message."
ERROR_NEEDS_SIGNOFFS = (
    "The campaign goes live only when both leads have signed version {version} ({missing} missing)."
)
ERROR_NOT_LEAD = "Only the campaign's marketing lead or sales lead can sign it."
ERROR_SIGN_STATUS = "A campaign can be signed during co-creation or when ready, not when {status}."
ERROR_NO_EVIDENCE = "A claim without evidence cannot be approved: add at least one reference."
ERROR_ALREADY_APPROVED = "This is already approved."
ERROR_NOT_IN_REVIEW = "Only a version in review can be decided on."
ERROR_ASSET_NOT_AVAILABLE = "Only an approved, unexpired version can be used with customers."
ERROR_DATES = "The campaign must end after it starts."
ERROR_UNKNOWN_KPI = "Unknown KPI {code!r}."
ERROR_OWNERS = "A KPI must be owned by marketing, sales or both."
ERROR_KPI_IN_PLAN = (
    "{what} is already in the plan; your save was not applied. Change it from its row in the plan."
)
ERROR_KPI_GONE = "{what} was removed from the plan by someone else; your save was not applied."
ERROR_ASSET_EMPTY = "A version needs an uploaded file or a page body."
ERROR_REVIEWER_NEEDED = (
    "This response makes a clinical claim: a medical/regulatory reviewer must approve it."
)
ERROR_NEEDS_PRODUCTS = (
    "A {status} campaign needs at least one product: its KPIs and uplift count its sales."
)

TRANSITIONS: dict[str, set[str]] = {
    CampaignStatus.DRAFT: {CampaignStatus.CO_CREATION},
    CampaignStatus.CO_CREATION: {CampaignStatus.READY},
    CampaignStatus.READY: {CampaignStatus.LIVE, CampaignStatus.CO_CREATION},
    CampaignStatus.LIVE: {CampaignStatus.CLOSED},
    CampaignStatus.CLOSED: {CampaignStatus.REVIEWED},
    CampaignStatus.REVIEWED: set(),
}
MENTION = re.compile(r"(?<![\w.])@([\w.+-]+)")


class StaleEdit(Exception):
    """The row changed since the editor loaded it; carries what it is now."""

    def __init__(self, what: str, current: Any, message: str = ERROR_STALE) -> None:
        super().__init__(message.format(what=what))
        self.current = current


class CampaignRuleError(ValueError):
    """A save or transition that the campaign's rules forbid; the message says why and
    ``field`` names the input it is about, if one is (a form shows it beside that input)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- campaign and brief ---------------------------------------------------------------

BRIEF_FIELDS = ("objective", "why", "indication", "target_segments")
# Once a campaign has gone live its KPIs and uplift are being measured on its products.
STARTED = frozenset({CampaignStatus.LIVE, CampaignStatus.CLOSED, CampaignStatus.REVIEWED})


def _brief_snapshot(campaign: Campaign) -> dict[str, Any]:
    return {f: getattr(campaign, f) for f in BRIEF_FIELDS}


def _save_brief_revision(campaign: Campaign, user: User | None) -> None:
    BriefRevision.objects.create(
        campaign=campaign,
        content_version=campaign.content_version,
        author=user,
        **_brief_snapshot(campaign),
    )


@transaction.atomic
def campaign_create(
    *,
    user: User,
    name: str,
    product: str,
    indication: str,
    objective: str,
    why: str,
    start_date: dt.date,
    end_date: dt.date,
    marketing_lead: User,
    sales_lead: User,
    species: str = "Dog",
    target_segments: Iterable[str] = (),
    skus: Iterable[Product] = (),
) -> Campaign:
    """Create a draft campaign with its first brief revision, counting the sales of ``skus``."""
    if end_date <= start_date:
        raise CampaignRuleError(ERROR_DATES)
    base = slugify(name)[:70] or "campaign"
    slug, n = base, 1
    while Campaign.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    campaign = Campaign.objects.create(
        slug=slug,
        name=name,
        product=product,
        indication=indication,
        objective=objective,
        why=why,
        start_date=start_date,
        end_date=end_date,
        marketing_lead=marketing_lead,
        sales_lead=sales_lead,
        species=species,
        target_segments=list(target_segments),
    )
    products = list(skus)
    campaign.skus.set(products)
    _save_brief_revision(campaign, user)
    audit_record(
        actor=user,
        action="campaign.create",
        obj=campaign,
        after={**_brief_snapshot(campaign), "skus": sorted({p.sku for p in products})},
    )
    return campaign


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _content_changed(campaign: Campaign, *, user: User, reason: str) -> Campaign:
    """Raise the content version; void standing sign-offs; a live campaign is ready again.

    ``campaign`` must be the row locked by the caller's transaction.
    """
    campaign.content_version += 1
    campaign.updated_at = timezone.now()
    fields = ["content_version", "updated_at"]
    voided = SignOff.objects.filter(campaign=campaign, voided_at__isnull=True).update(
        voided_at=timezone.now(), void_reason=f"{reason} (by {user})"[:300]
    )
    if voided:
        audit_record(
            actor=user,
            action="campaign.signoffs_voided",
            obj=campaign,
            after={"reason": reason, "voided": voided, "content_version": campaign.content_version},
        )
    if campaign.status == CampaignStatus.LIVE:
        # A live campaign must carry both signatures on what reps now say.
        campaign.status = CampaignStatus.READY
        fields.append("status")
        audit_record(
            actor=user,
            action="campaign.transition",
            obj=campaign,
            before={"status": "live"},
            after={"status": "ready", "reason": reason},
        )
    campaign.save(update_fields=fields)
    return campaign


def _products_change(campaign: Campaign, *, user: User, products: Iterable[Product]) -> str:
    """Make ``products`` the ones the locked campaign counts; audit the change.

    Returns what changed in words for the sign-offs it voids ("" when nothing did). A
    campaign that has gone live keeps at least one product: emptying the list would
    leave its KPIs and uplift counting nothing of its own.
    """
    wanted = {p.sku: p for p in products}
    current = sorted(campaign.skus.values_list("sku", flat=True))
    if sorted(wanted) == current:
        return ""
    if not wanted and campaign.status in STARTED:
        status = CampaignStatus(campaign.status).label.lower()
        raise CampaignRuleError(ERROR_NEEDS_PRODUCTS.format(status=status), field="skus")
    campaign.skus.set(wanted.values())
    audit_record(
        actor=user,
        action="campaign.products_set",
        obj=campaign,
        before={"skus": current},
        after={"skus": sorted(wanted), "status": campaign.status},
    )
    added = sorted(set(wanted) - set(current))
    removed = sorted(set(current) - set(wanted))
    said = [f"added {', '.join(added)}"] if added else []
    if removed:
        said.append(f"removed {', '.join(removed)}")
    return f"Products counted changed ({'; '.join(said)})"


@transaction.atomic
def campaign_brief_update(
    *,
    campaign: Campaign,
    user: User,
    expected_edit_version: int,
    skus: Iterable[Product] | None = None,
    **changes: Any,
) -> Campaign:
    """Save the brief if nobody saved since ``expected_edit_version``; audit the diff.

    ``skus``, when given, are the products the campaign counts from now on (see
    :func:`campaign_products_set`); one save of brief and products is one new version.
    """
    locked = _lock(campaign)
    if locked.edit_version != expected_edit_version:
        raise StaleEdit("The brief", locked)
    unknown = set(changes) - {*BRIEF_FIELDS, "name", "start_date", "end_date", "product"}
    if unknown:
        raise TypeError(f"not brief fields: {sorted(unknown)}")
    before = _brief_snapshot(locked)
    for key, value in changes.items():
        setattr(locked, key, value)
    if locked.end_date <= locked.start_date:
        raise CampaignRuleError(ERROR_DATES)
    products_reason = _products_change(locked, user=user, products=skus) if skus is not None else ""
    locked.edit_version += 1
    locked.save()
    after = _brief_snapshot(locked)
    reasons = ["Brief edited" if after != before else "", products_reason]
    if any(reasons):
        _content_changed(locked, user=user, reason="; ".join(r for r in reasons if r))
    if after != before:
        _save_brief_revision(locked, user)
    audit_record(actor=user, action="campaign.brief_update", obj=locked, before=before, after=after)
    return locked


@transaction.atomic
def campaign_products_set(
    *,
    campaign: Campaign,
    user: User,
    products: Iterable[Product],
    expected_edit_version: int | None = None,
) -> Campaign:
    """Make ``products`` the SKUs whose sales the campaign's KPIs and uplift count.

    They are part of the signed content: a change raises the content version and voids
    standing sign-offs, as a brief edit does (a live campaign is ready again). A campaign
    that has gone live cannot be left without products. ``expected_edit_version`` is the
    brief version the editor loaded (``None`` skips the check: demo, scripts).
    """
    locked = _lock(campaign)
    if expected_edit_version is not None and locked.edit_version != expected_edit_version:
        raise StaleEdit("The brief", locked)
    reason = _products_change(locked, user=user, products=products)
    if not reason:
        return locked
    locked.edit_version += 1
    locked.save(update_fields=["edit_version"])
    return _content_changed(locked, user=user, reason=reason)


@transaction.atomic
def campaign_transition(*, campaign: Campaign, user: User, target: str) -> Campaign:
    """Move the campaign along its lifecycle if its rules allow it."""
    locked = _lock(campaign)
    current = locked.status
    if target not in TRANSITIONS[current]:
        raise CampaignRuleError(
            ERROR_TRANSITION.format(
                current=CampaignStatus(current).label, target=CampaignStatus(target).label
            )
        )
    if current == CampaignStatus.CO_CREATION and target == CampaignStatus.READY:
        _check_ready(locked)
    if target == CampaignStatus.LIVE:
        missing = signoffs_missing(campaign=locked)
        if missing:
            raise CampaignRuleError(
                ERROR_NEEDS_SIGNOFFS.format(
                    version=locked.content_version,
                    missing=", ".join(Function(f).label for f in missing),
                )
            )
    locked.status = target
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=user,
        action="campaign.transition",
        obj=locked,
        before={"status": current},
        after={"status": target},
    )
    return locked


def _check_ready(campaign: Campaign) -> None:
    kpis = list(campaign.kpis.all())
    if not kpis:
        raise CampaignRuleError(ERROR_NEEDS_KPIS)
    if not any(k.is_joint for k in kpis):
        raise CampaignRuleError(ERROR_NEEDS_JOINT_KPI)
    messages = list(campaign.messages.all())
    if not messages:
        raise CampaignRuleError(ERROR_NEEDS_MESSAGES)
    unapproved = sum(m.status != ApprovalStatus.APPROVED for m in messages)
    if unapproved:
        raise CampaignRuleError(ERROR_NEEDS_APPROVED_MESSAGES.format(n=unapproved))


def signoffs_missing(*, campaign: Campaign) -> list[Function]:
    """Lead functions without a standing sign-off of the current content version."""
    signed = set(
        SignOff.objects.filter(
            campaign=campaign, voided_at__isnull=True, content_version=campaign.content_version
        ).values_list("function", flat=True)
    )
    return [f for f in (Function.MARKETING, Function.SALES) if f not in signed]


@transaction.atomic
def campaign_sign(*, campaign: Campaign, user: User) -> SignOff:
    """The user signs the campaign's current content version as its lead."""
    locked = _lock(campaign)
    if user.pk == locked.marketing_lead_id:
        function = Function.MARKETING
    elif user.pk == locked.sales_lead_id:
        function = Function.SALES
    else:
        raise CampaignRuleError(ERROR_NOT_LEAD)
    if locked.status not in {CampaignStatus.CO_CREATION, CampaignStatus.READY}:
        raise CampaignRuleError(
            ERROR_SIGN_STATUS.format(status=CampaignStatus(locked.status).label.lower())
        )
    existing = SignOff.objects.filter(
        campaign=locked,
        function=function,
        voided_at__isnull=True,
        content_version=locked.content_version,
    ).first()
    if existing:
        return existing
    signoff = SignOff.objects.create(
        campaign=locked, function=function, user=user, content_version=locked.content_version
    )
    audit_record(
        actor=user,
        action="campaign.sign",
        obj=locked,
        after={"function": function, "content_version": locked.content_version},
    )
    return signoff


# --- key messages and evidence ---------------------------------------------------------


@transaction.atomic
def message_create(*, campaign: Campaign, user: User, title: str, text: str) -> KeyMessage:
    locked = _lock(campaign)
    position = (locked.messages.aggregate(m=Max("position"))["m"] or 0) + 1
    message = KeyMessage.objects.create(campaign=locked, title=title, text=text, position=position)
    KeyMessageRevision.objects.create(
        message=message, edit_version=1, title=title, text=text, author=user
    )
    _content_changed(locked, user=user, reason=f"Key message “{title}” added")
    audit_record(
        actor=user, action="message.create", obj=message, after={"title": title, "text": text}
    )
    return message


@transaction.atomic
def message_update(
    *, message: KeyMessage, user: User, expected_edit_version: int, title: str, text: str
) -> KeyMessage:
    """Edit a message's wording; an approved message goes back to draft for review."""
    locked_campaign = _lock(message.campaign)
    current = KeyMessage.objects.select_for_update().get(pk=message.pk)
    if current.edit_version != expected_edit_version:
        raise StaleEdit(f"Key message “{current.title}”", current)
    if (current.title, current.text) == (title, text):
        return current
    before = {"title": current.title, "text": current.text, "status": current.status}
    current.title, current.text = title, text
    current.edit_version += 1
    current.status = ApprovalStatus.DRAFT
    current.approved_by, current.approved_at = None, None
    current.save()
    KeyMessageRevision.objects.create(
        message=current, edit_version=current.edit_version, title=title, text=text, author=user
    )
    _content_changed(locked_campaign, user=user, reason=f"Key message “{title}” edited")
    audit_record(
        actor=user,
        action="message.update",
        obj=current,
        before=before,
        after={"title": title, "text": text, "status": current.status},
    )
    return current


@transaction.atomic
def evidence_add(
    *,
    user: User,
    citation: str,
    excerpt: str,
    level: str,
    link: str = "",
    reported: bool = False,
    message: KeyMessage | None = None,
    response: ObjectionResponse | None = None,
) -> Evidence:
    """Attach a reference to a key message or a response; it needs approving again."""
    if (message is None) == (response is None):
        raise TypeError("evidence backs exactly one of message or response")
    evidence = Evidence.objects.create(
        message=message,
        response=response,
        citation=citation,
        link=link,
        excerpt=excerpt,
        level=level,
        reported=reported,
    )
    if message is not None:
        locked = _lock(message.campaign)
        KeyMessage.objects.filter(pk=message.pk).update(
            status=ApprovalStatus.DRAFT, approved_by=None, approved_at=None
        )
        _content_changed(locked, user=user, reason=f"Evidence added to “{message.title}”")
    else:
        assert response is not None
        ObjectionResponse.objects.filter(pk=response.pk).update(
            status=ApprovalStatus.DRAFT, approved_by=None, approved_at=None
        )
    audit_record(
        actor=user,
        action="evidence.add",
        obj=evidence,
        after={"citation": citation, "level": level},
    )
    return evidence


@transaction.atomic
def message_approve(*, message: KeyMessage, user: User) -> KeyMessage:
    """A reviewer approves a message's claim; only with evidence."""
    current = KeyMessage.objects.select_for_update().get(pk=message.pk)
    if current.status == ApprovalStatus.APPROVED:
        raise CampaignRuleError(ERROR_ALREADY_APPROVED)
    if not current.evidence.exists():
        raise CampaignRuleError(ERROR_NO_EVIDENCE)
    current.status = ApprovalStatus.APPROVED
    current.approved_by, current.approved_at = user, timezone.now()
    current.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=user,
        action="message.approve",
        obj=current,
        after={"edit_version": current.edit_version},
    )
    return current


# --- objections ------------------------------------------------------------------------


@transaction.atomic
def objection_raise(
    *, campaign: Campaign, user: User, text: str, segment: str = "", frequency: str = "sometimes"
) -> Objection:
    objection = Objection.objects.create(
        campaign=campaign, raised_by=user, text=text, segment=segment, frequency=frequency
    )
    audit_record(
        actor=user,
        action="objection.raise",
        obj=objection,
        after={"text": text, "segment": segment, "frequency": frequency},
    )
    return objection


@transaction.atomic
def objection_upvote(*, objection: Objection, user: User) -> bool:
    """Add the user's up-vote; returns False if they had already voted."""
    try:
        with transaction.atomic():
            ObjectionVote.objects.create(objection=objection, user=user)
    except IntegrityError:
        return False
    audit_record(actor=user, action="objection.upvote", obj=objection)
    return True


@transaction.atomic
def objection_heard(*, objection: Objection, by: User, count: int = 1) -> None:
    """A rep logged hearing this objection in the field ``count`` more times."""
    Objection.objects.filter(pk=objection.pk).update(times_heard=F("times_heard") + count)
    audit_record(actor=by, action="objection.heard", obj=objection, after={"count": count})


@transaction.atomic
def response_save(
    *,
    objection: Objection,
    user: User,
    text: str,
    clinical_claim: bool = True,
    expected_edit_version: int | None = None,
) -> ObjectionResponse:
    """Write or rewrite the answer to an objection; it needs approving again."""
    current = ObjectionResponse.objects.select_for_update().filter(objection=objection).first()
    if current is None:
        response = ObjectionResponse.objects.create(
            objection=objection, text=text, clinical_claim=clinical_claim, author=user
        )
        audit_record(actor=user, action="response.create", obj=response, after={"text": text})
        return response
    if expected_edit_version is not None and current.edit_version != expected_edit_version:
        raise StaleEdit("The response", current)
    before = {"text": current.text, "status": current.status}
    current.text, current.clinical_claim, current.author = text, clinical_claim, user
    current.status = ApprovalStatus.DRAFT
    current.approved_by, current.approved_at = None, None
    current.edit_version += 1
    current.updated_at = timezone.now()
    current.save()
    audit_record(
        actor=user,
        action="response.update",
        obj=current,
        before=before,
        after={"text": text, "status": current.status},
    )
    return current


@transaction.atomic
def response_approve(
    *, response: ObjectionResponse, user: User, as_reviewer: bool
) -> ObjectionResponse:
    """Approve a response: a reviewer for clinical claims, else marketing may."""
    current = ObjectionResponse.objects.select_for_update().get(pk=response.pk)
    if current.status == ApprovalStatus.APPROVED:
        raise CampaignRuleError(ERROR_ALREADY_APPROVED)
    if current.clinical_claim and not as_reviewer:
        raise CampaignRuleError(ERROR_REVIEWER_NEEDED)
    if not current.evidence.exists():
        raise CampaignRuleError(ERROR_NO_EVIDENCE)
    current.status = ApprovalStatus.APPROVED
    current.approved_by, current.approved_at = user, timezone.now()
    current.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(actor=user, action="response.approve", obj=current)
    return current


# --- assets ----------------------------------------------------------------------------


@transaction.atomic
def asset_create(
    *,
    campaign: Campaign,
    user: User,
    title: str,
    kind: str,
    objection: Objection | None = None,
    file: UploadedFile | None = None,
    body: str = "",
    expires_on: dt.date | None = None,
) -> Asset:
    """Create an asset with its first version for review; a refused upload stores nothing."""
    asset = Asset.objects.create(
        campaign=campaign, title=title, kind=kind, objection=objection, created_by=user
    )
    audit_record(actor=user, action="asset.create", obj=asset, after={"title": title, "kind": kind})
    asset_version_add(asset=asset, user=user, file=file, body=body, expires_on=expires_on)
    return asset


@transaction.atomic
def asset_version_add(
    *,
    asset: Asset,
    user: User,
    file: UploadedFile | None = None,
    body: str = "",
    expires_on: dt.date | None = None,
) -> AssetVersion:
    """Add a version for review: an uploaded file (checked) or a page body."""
    if file is None and not body.strip():
        raise CampaignRuleError(ERROR_ASSET_EMPTY)
    content_type = check_upload(file) if file is not None else ""
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    number = (locked.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = AssetVersion(
        asset=locked,
        number=number,
        body=body,
        expires_on=expires_on,
        created_by=user,
        content_type=content_type,
    )
    if file is not None:
        version.file.save(file.name or "upload", file, save=False)
    version.save()
    audit_record(
        actor=user,
        action="asset.version_add",
        obj=version,
        after={"number": number, "file": version.file.name or None},
    )
    return version


@transaction.atomic
def asset_decide(
    *, version: AssetVersion, user: User, function: Function, decision: Decision, comment: str = ""
) -> AssetVersion:
    """Record one function's decision; three approvals approve, one rejection rejects."""
    current = AssetVersion.objects.select_for_update().get(pk=version.pk)
    if current.status != AssetVersionStatus.IN_REVIEW:
        raise CampaignRuleError(ERROR_NOT_IN_REVIEW)
    AssetApproval.objects.update_or_create(
        version=current,
        function=function,
        defaults={"decision": decision, "user": user, "at": timezone.now()},
    )
    if comment.strip():
        comment_add(
            campaign=current.asset.campaign,
            user=user,
            text=comment,
            about=str(current),
            asset_version=current,
        )
    decisions = dict(current.approvals.values_list("function", "decision"))
    before = current.status
    if Decision.REJECT in decisions.values():
        current.status = AssetVersionStatus.REJECTED
    elif all(decisions.get(f) == Decision.APPROVE for f in Function):
        current.status = AssetVersionStatus.APPROVED
        # The newest approved version replaces older ones in the reps' toolkit.
        AssetVersion.objects.filter(
            asset=current.asset, status=AssetVersionStatus.APPROVED
        ).exclude(pk=current.pk).update(status=AssetVersionStatus.SUPERSEDED)
    current.save(update_fields=["status"])
    audit_record(
        actor=user,
        action="asset.decide",
        obj=current,
        before={"status": before},
        after={"function": function, "decision": decision, "status": current.status},
    )
    return current


def asset_version_available(version: AssetVersion, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return version.status == AssetVersionStatus.APPROVED and (
        version.expires_on is None or version.expires_on >= today
    )


@transaction.atomic
def asset_use_record(*, version: AssetVersion, user: User, clinic: Any = None) -> AssetUse:
    """Record that a rep used an approved, unexpired asset version with a customer."""
    if not asset_version_available(version):
        raise CampaignRuleError(ERROR_ASSET_NOT_AVAILABLE)
    use = AssetUse.objects.create(version=version, user=user, clinic=clinic)
    audit_record(
        actor=user, action="asset.use", obj=version, after={"clinic": getattr(clinic, "code", None)}
    )
    return use


# --- KPI plan --------------------------------------------------------------------------


@transaction.atomic
def kpi_set(
    *,
    campaign: Campaign,
    user: User,
    code: str,
    baseline: float,
    target: float,
    due_date: dt.date,
    owners: Iterable[str],
    notes: str = "",
    expected_edit_version: int | None = None,
) -> KpiTarget:
    """Add a KPI to the plan or change its target.

    ``expected_edit_version`` is the version the editor loaded (0: the KPI was not in
    the plan yet); if someone saved, added or removed it since, ``StaleEdit`` says so and
    nothing changes, as for the brief. ``None`` skips the check (demo, scripts).
    """
    if code not in kpi_catalogue.BY_CODE:
        raise CampaignRuleError(ERROR_UNKNOWN_KPI.format(code=code))
    owners = sorted(set(owners))
    if not owners or not set(owners) <= {Function.MARKETING, Function.SALES}:
        raise CampaignRuleError(ERROR_OWNERS)
    # The campaign row lock serialises every KPI save of the campaign, so the version
    # read below is still the stored one when the save lands.
    locked = _lock(campaign)
    previous = KpiTarget.objects.filter(campaign=locked, code=code).first()
    name = kpi_catalogue.BY_CODE[code].name
    _check_kpi_version(previous, expected_edit_version, what=f"KPI “{name}”")
    before = (
        {
            "baseline": previous.baseline,
            "target": previous.target,
            "due_date": previous.due_date.isoformat(),
            "owners": previous.owners,
            "edit_version": previous.edit_version,
        }
        if previous
        else None
    )
    kpi, created = KpiTarget.objects.update_or_create(
        campaign=locked,
        code=code,
        defaults={
            "baseline": baseline,
            "target": target,
            "due_date": due_date,
            "owners": owners,
            "notes": notes,
            "edit_version": previous.edit_version + 1 if previous else 1,
        },
    )
    _content_changed(locked, user=user, reason=f"KPI “{name}” {'added' if created else 'changed'}")
    audit_record(
        actor=user,
        action="kpi.set",
        obj=kpi,
        before=before,
        after={
            "code": code,
            "baseline": baseline,
            "target": target,
            "due_date": due_date.isoformat(),
            "owners": owners,
            "edit_version": kpi.edit_version,
        },
    )
    return kpi


def _check_kpi_version(current: KpiTarget | None, expected: int | None, *, what: str) -> None:
    if expected is None:
        return
    if current is None and expected:
        raise StaleEdit(what, None, ERROR_KPI_GONE)
    if current is not None and not expected:
        raise StaleEdit(what, current, ERROR_KPI_IN_PLAN)
    if current is not None and current.edit_version != expected:
        raise StaleEdit(what, current)


@transaction.atomic
def kpi_remove(*, kpi: KpiTarget, user: User, expected_edit_version: int | None = None) -> None:
    """Remove a KPI from the plan, unless someone changed it since ``expected_edit_version``."""
    locked = _lock(kpi.campaign)
    current = KpiTarget.objects.filter(pk=kpi.pk).first()
    if current is None:  # removed by someone else meanwhile: nothing left to do
        return
    name = current.get_code_display()
    _check_kpi_version(current, expected_edit_version, what=f"KPI “{name}”")
    audit_record(
        actor=user,
        action="kpi.remove",
        obj=current,
        before={
            "code": current.code,
            "target": current.target,
            "edit_version": current.edit_version,
        },
    )
    current.delete()
    _content_changed(locked, user=user, reason=f"KPI “{name}” removed")


# --- comments and notifications --------------------------------------------------------


def _may_read_comment(user: User, campaign: Campaign, version: AssetVersion | None) -> bool:
    if not permissions.can_view_campaign(user=user, campaign=campaign):
        return False
    return version is None or permissions.can_view_asset_version(user=user, version=version)


@transaction.atomic
def comment_add(
    *,
    campaign: Campaign,
    user: User,
    text: str,
    about: str = "",
    asset_version: AssetVersion | None = None,
) -> Comment:
    """Post a comment; every @username mentioned (other than the author) who may read
    the comment is notified. A rep or field vet mentioned on a draft campaign, or on an
    unapproved asset version, is not: the notification would show its name and the text.
    """
    comment = Comment.objects.create(
        campaign=campaign, author=user, text=text, about=about, asset_version=asset_version
    )
    names = set(MENTION.findall(text)) - {user.username}
    url = f"/campaigns/{campaign.slug}/#comment-{comment.pk}"
    Notification.objects.bulk_create(
        Notification(
            user=mentioned, url=url, text=f"{user} mentioned you on {campaign.name}: {text[:200]}"
        )
        for mentioned in User.objects.filter(username__in=names, is_active=True)
        if _may_read_comment(mentioned, campaign, asset_version)
    )
    audit_record(actor=user, action="comment.add", obj=comment, after={"text": text})
    return comment


@transaction.atomic
def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
