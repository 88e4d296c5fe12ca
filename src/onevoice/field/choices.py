"""Status values of the field app."""

from django.db import models


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
