"""Status values of campaigns, messages, objections and assets."""

from django.db import models


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CO_CREATION = "co_creation", "Co-creation"
    READY = "ready", "Ready"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"
    REVIEWED = "reviewed", "Reviewed"


class Function(models.TextChoices):
    """The company functions that co-own a campaign and approve its material."""

    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    REVIEWER = "reviewer", "Medical / regulatory"


class ApprovalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"


class EvidenceLevel(models.TextChoices):
    META_ANALYSIS = "meta_analysis", "Systematic review / meta-analysis"
    RCT = "rct", "Randomised controlled trial"
    COHORT = "cohort", "Cohort or observational study"
    GUIDELINE = "guideline", "Consensus guideline"
    CASE_SERIES = "case_series", "Case series"
    EXPERT = "expert", "Expert opinion"
    LABEL = "label", "Regulatory label / SPC"
    MANUFACTURER = "manufacturer", "Manufacturer material"


class Frequency(models.TextChoices):
    RARELY = "rarely", "Rarely"
    SOMETIMES = "sometimes", "Sometimes"
    OFTEN = "often", "Often"
    VERY_OFTEN = "very_often", "Very often"


class AssetKind(models.TextChoices):
    DETAIL_AID = "detail_aid", "Detail aid"
    LEAVE_BEHIND = "leave_behind", "Leave-behind"
    OBJECTION_CARD = "objection_card", "Objection card"
    WEBINAR_DECK = "webinar_deck", "Webinar deck"


class AssetVersionStatus(models.TextChoices):
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


class KpiKind(models.TextChoices):
    LEADING = "leading", "Leading"
    LAGGING = "lagging", "Lagging"
