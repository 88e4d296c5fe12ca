"""A launch campaign co-created by marketing and sales, and everything it is made of.

The brief, the key messages and the KPI plan are the *signed content*: every change to
them raises ``Campaign.content_version`` and voids sign-offs of older versions. Rows
that two people may edit at once carry ``edit_version`` for optimistic locking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from onevoice.campaigns import kpi_catalogue
from onevoice.campaigns.choices import (
    ApprovalStatus,
    AssetKind,
    AssetVersionStatus,
    CampaignStatus,
    Decision,
    EvidenceLevel,
    Frequency,
    Function,
)

USER = settings.AUTH_USER_MODEL

if TYPE_CHECKING:
    from onevoice.accounts.models import User


class Product(models.Model):
    """A SKU of the company's portfolio (its product line in ``family``), with what one pack
    treats."""

    sku = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    family = models.CharField(
        max_length=100,
        blank=True,
        help_text="The product line (brand) the SKU belongs to, e.g. Cardivance.",
    )
    strength_mg = models.FloatField()
    tablets_per_pack = models.PositiveIntegerField()
    list_price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    treatment_months_per_pack = models.FloatField(
        help_text="Months of treatment one pack gives a typical patient."
    )

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def pack(self) -> str:
        """The strength and pack size, as people name a SKU within its line: "2.5 mg × 100"."""
        return f"{self.strength_mg:g} mg × {self.tablets_per_pack}"

    @property
    def label(self) -> str:
        """The SKU in words, its line first: "Cardivance — 2.5 mg × 100 (CDV-0250-100)"."""
        if not self.family:
            return str(self)
        return f"{self.family} — {self.pack} ({self.sku})"


class Campaign(models.Model):
    """A product launch: its brief and why, owned by a marketing lead and a sales lead."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    product = models.CharField(max_length=200, help_text="Product name, e.g. the brand.")
    skus = models.ManyToManyField(Product, blank=True, related_name="campaigns")
    species = models.CharField(max_length=60, default="Dog")
    indication = models.CharField(max_length=300)
    objective = models.TextField()
    why = models.TextField(help_text="Why this campaign, in Markdown.")
    target_segments = models.JSONField(default=list, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    marketing_lead = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    sales_lead = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    content_version = models.PositiveIntegerField(default=1)
    edit_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "name"]

    def __str__(self) -> str:
        return self.name


class BriefRevision(models.Model):
    """The brief as it stood at one content version, for history and diffs."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="revisions")
    content_version = models.PositiveIntegerField()
    objective = models.TextField()
    why = models.TextField()
    indication = models.CharField(max_length=300)
    target_segments = models.JSONField(default=list)
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["campaign", "-content_version", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign} brief v{self.content_version}"


class KeyMessage(models.Model):
    """One thing every rep says the same way, backed by evidence and approved."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="messages")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    text = models.TextField()
    status = models.CharField(
        max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.DRAFT
    )
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    edit_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["campaign", "position", "id"]

    def __str__(self) -> str:
        return self.title


class KeyMessageRevision(models.Model):
    """A key message's text at one of its edits."""

    message = models.ForeignKey(KeyMessage, on_delete=models.CASCADE, related_name="revisions")
    edit_version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message", "-edit_version"]

    def __str__(self) -> str:
        return f"{self.message} v{self.edit_version}"


class Objection(models.Model):
    """What vets say against the product, raised by the field, answered with evidence."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="objections")
    text = models.TextField(help_text="What the vet says, in their words.")
    segment = models.CharField(max_length=30, blank=True)
    frequency = models.CharField(
        max_length=20, choices=Frequency.choices, default=Frequency.SOMETIMES
    )
    times_heard = models.PositiveIntegerField(
        default=0, help_text="Times reps logged hearing it in field activities."
    )
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    voters: models.ManyToManyField[User, ObjectionVote] = models.ManyToManyField(
        USER, through="ObjectionVote", related_name="+"
    )

    class Meta:
        ordering = ["campaign", "-raised_at"]

    def __str__(self) -> str:
        return self.text[:80]


class ObjectionVote(models.Model):
    """One person's up-vote: "I hear this too"."""

    objection = models.ForeignKey(Objection, on_delete=models.CASCADE)
    user = models.ForeignKey(USER, on_delete=models.CASCADE)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["objection", "at"]
        constraints = [
            models.UniqueConstraint(fields=["objection", "user"], name="one_vote_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} +1 {self.objection_id}"


class ObjectionResponse(models.Model):
    """The evidence-backed answer to an objection; approved, it is an objection card."""

    objection = models.OneToOneField(Objection, on_delete=models.CASCADE, related_name="response")
    text = models.TextField()
    clinical_claim = models.BooleanField(
        default=True, help_text="Makes a clinical claim, so a reviewer must approve it."
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.DRAFT
    )
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    edit_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["objection"]

    def __str__(self) -> str:
        return f"Response to {self.objection}"


class Evidence(models.Model):
    """A published source backing a key message or an objection response."""

    message = models.ForeignKey(
        KeyMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    response = models.ForeignKey(
        ObjectionResponse,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    citation = models.CharField(max_length=400)
    link = models.CharField("DOI or URL", max_length=300, blank=True)
    excerpt = models.TextField(help_text="The passage that supports the claim.")
    level = models.CharField(max_length=20, choices=EvidenceLevel.choices)
    reported = models.BooleanField(
        default=False,
        help_text="The figure is reported or recalled, not confirmed in the source.",
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(message__isnull=False) ^ models.Q(response__isnull=False),
                name="evidence_backs_exactly_one_claim",
            )
        ]

    def __str__(self) -> str:
        return self.citation


def asset_upload_to(instance: AssetVersion, filename: str) -> str:
    return f"assets/{instance.asset.campaign_id}/{instance.asset_id}/v{instance.number}/{filename}"


class Asset(models.Model):
    """A sales-support tool: detail aid, leave-behind, objection card, webinar deck."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assets")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    objection = models.ForeignKey(
        Objection, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets"
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["campaign", "title"]

    def __str__(self) -> str:
        return self.title


class AssetVersion(models.Model):
    """One version of an asset: an uploaded file or a page written in the app."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=asset_upload_to, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True, help_text="Page content in Markdown.")
    status = models.CharField(
        max_length=20, choices=AssetVersionStatus.choices, default=AssetVersionStatus.IN_REVIEW
    )
    expires_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["asset", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "number"], name="one_number_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.asset} v{self.number}"


class AssetApproval(models.Model):
    """One function's decision on an asset version."""

    version = models.ForeignKey(AssetVersion, on_delete=models.CASCADE, related_name="approvals")
    function = models.CharField(max_length=20, choices=Function.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "function"], name="one_decision_per_function"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_function_display()} {self.decision} {self.version}"


class AssetUse(models.Model):
    """A rep used an approved asset version, e.g. in a visit."""

    version = models.ForeignKey(AssetVersion, on_delete=models.PROTECT, related_name="uses")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey(
        "field.Clinic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} used {self.version}"


class KpiTarget(models.Model):
    """One KPI of the campaign's plan, chosen from the catalogue, with its target."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="kpis")
    code = models.CharField(max_length=40, choices=kpi_catalogue.CHOICES)
    baseline = models.FloatField()
    target = models.FloatField()
    due_date = models.DateField()
    owners = models.JSONField(help_text="Owning functions: marketing, sales or both.")
    notes = models.CharField(max_length=300, blank=True)
    edit_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="one_target_per_kpi")
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.baseline:g} → {self.target:g}"

    @property
    def is_joint(self) -> bool:
        return {Function.MARKETING, Function.SALES} <= set(self.owners)


class SignOff(models.Model):
    """A lead's signature on one content version; voided, visibly, when it changes."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="signoffs")
    function = models.CharField(max_length=20, choices=Function.choices)
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    content_version = models.PositiveIntegerField()
    signed_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["campaign", "-signed_at"]

    def __str__(self) -> str:
        return f"{self.get_function_display()} sign-off of {self.campaign} v{self.content_version}"


class Comment(models.Model):
    """A comment on a campaign or one of its parts; @username mentions notify."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="comments")
    about = models.CharField(max_length=200, blank=True, help_text="e.g. 'Key message 3'.")
    asset_version = models.ForeignKey(
        AssetVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class Notification(models.Model):
    """Something a user should look at, e.g. they were @mentioned."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text
