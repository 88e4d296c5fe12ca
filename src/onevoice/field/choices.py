"""Status values of the field app."""

from django.db import models

from onevoice.campaigns.choices import CampaignStatus


class Segment(models.TextChoices):
    INDEPENDENT_SMALL = "independent_small", "Independent, small"
    INDEPENDENT_LARGE = "independent_large", "Independent, large"
    CORPORATE_GROUP = "corporate_group", "Corporate group"
    REFERRAL_HOSPITAL = "referral_hospital", "Referral hospital"


class VetRole(models.TextChoices):
    OWNER = "owner", "Practice owner"
    ASSOCIATE = "associate", "Associate"
    CARDIOLOGY_LEAD = "cardiology_lead", "Cardiology lead"


class TrainingFormat(models.TextChoices):
    IN_CLINIC = "in_clinic", "In clinic"
    WEBINAR = "webinar", "Webinar"
    CE_EVENT = "ce_event", "Continuing-education event"


class ActivityKind(models.TextChoices):
    VISIT = "visit", "Visit"
    CALL = "call", "Call"
    EMAIL = "email", "E-mail"
    WEBINAR = "webinar", "Webinar"


class AdoptionStage(models.TextChoices):
    """The adoption ladder, lowest rung first; the order is the ladder's order."""

    UNAWARE = "unaware", "Unaware"
    AWARE = "aware", "Aware"
    TRIAL = "trial", "Trial"
    ADOPTER = "adopter", "Adopter"
    ADVOCATE = "advocate", "Advocate"


# Rung of each stage, 0 for unaware: ladder moves and rankings compare these.
STAGE_RANK: dict[str, int] = {stage.value: i for i, stage in enumerate(AdoptionStage)}

# Campaigns a customer training can be logged for. Ready: signed for the field (a live
# campaign whose content changes drops back to ready until signed again, and reps keep
# training meanwhile); live; closed: a training given before the end, logged late. Not a
# draft or a campaign in co-creation (not in the field yet), nor a reviewed one (its
# uplift is final).
TRAINING_CAMPAIGN_STATUSES: frozenset[str] = frozenset(
    {CampaignStatus.READY, CampaignStatus.LIVE, CampaignStatus.CLOSED}
)


class ImportKind(models.TextChoices):
    CLINICS = "clinics", "Clinics"
    VETS = "vets", "Vets"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Awaiting confirmation"
    COMMITTED = "committed", "Imported"


class RowAction(models.TextChoices):
    """What an import does with one row of the file."""

    NEW = "new", "New"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Already stored, unchanged"
    REFUSED = "refused", "Refused"
