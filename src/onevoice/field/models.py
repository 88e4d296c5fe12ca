"""Clinics, vets, what reps do with them, and where each stands on the adoption ladder."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone

from onevoice.field.choices import (
    ActivityKind,
    AdoptionStage,
    ImportKind,
    ImportStatus,
    Segment,
    TrainingFormat,
    VetRole,
)


class Clinic(models.Model):
    """A veterinary practice, a customer; ``code`` is the company's clinic identifier.

    The code is also how sales files name the clinic, so pages never change it.
    """

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.ForeignKey("accounts.Region", on_delete=models.PROTECT, related_name="+")
    territory = models.ForeignKey(
        "accounts.Territory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clinics",
    )
    segment = models.CharField(max_length=30, choices=Segment.choices)
    n_vets = models.PositiveIntegerField("vets", default=1)
    patient_volume = models.PositiveIntegerField(default=0, help_text="Dogs seen per year.")
    potential = models.FloatField(default=0, help_text="Expected monthly units at full adoption.")
    stage = models.CharField(
        "adoption stage",
        max_length=20,
        choices=AdoptionStage.choices,
        default=AdoptionStage.UNAWARE,
        db_index=True,
    )
    # Derived from customer trainings and attendance by ``field.trained.clinics_refresh``,
    # which every write of those calls: computing them per page across the hosted-or-
    # attended join cost seconds per page at 100,000 clinics.
    first_trained = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="First customer training the clinic hosted or one of its vets attended.",
    )
    last_trained = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="Latest customer training the clinic hosted or one of its vets attended.",
    )
    trained_vets = models.PositiveIntegerField(
        default=0, editable=False, help_text="Vets of the clinic who attended a customer training."
    )
    # Kept by ``field.contacted.clinics_refresh`` from every write of activities: head
    # office's clinic list sorted by last contact computed it for all 100,000 clinics.
    last_activity_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the latest activity logged with the clinic took place.",
    )

    class Meta:
        ordering = ["name", "code"]
        indexes = [
            # Clinic lists rank by potential: the first page of 100,000 clinics reads a few
            # index entries (then sorts equal potentials by stage) instead of sorting all.
            models.Index(fields=["-potential", "code"], name="clinic_by_potential"),
            # Ranking a manager's 500 territories (head office: 2,000) by their share of
            # trained clinics counts every clinic: from this index alone on PostgreSQL
            # (12 ms for 25,000 clinics instead of 190 ms visiting scattered table rows).
            models.Index(
                fields=["territory"],
                include=["first_trained", "potential"],
                name="clinic_territory_training",
            ),
            # "Longest without contact first": never contacted, then the oldest contact.
            models.Index(
                F("last_activity_at").asc(nulls_first=True),
                F("potential").desc(),
                "code",
                name="clinic_by_last_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Vet(models.Model):
    """A veterinarian working at a clinic; a customer, without an account.

    Vets are people: name, e-mail and phone are personal data, which ``vet_erase``
    removes on request while the vet's trainings, activities and ladder history stay
    counted, anonymously.
    """

    code = models.CharField(max_length=40, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="vets")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    role = models.CharField(max_length=30, choices=VetRole.choices, default=VetRole.ASSOCIATE)
    consent_to_contact = models.BooleanField(default=False)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    stage = models.CharField(
        "adoption stage",
        max_length=20,
        choices=AdoptionStage.choices,
        default=AdoptionStage.UNAWARE,
        db_index=True,
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When this vet's personal data was erased on request."
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        permissions = [("erase_vet", "Export and erase a vet's personal data")]

    def __str__(self) -> str:
        if self.erased_at is not None:
            return f"Erased vet ({self.code})"
        return f"Dr {self.first_name} {self.last_name}"


class CustomerTraining(models.Model):
    """A training a rep (with or without a technical field vet) gave to a clinic's vets
    for one campaign.

    ``clinic`` hosts it; at a webinar or a continuing-education event vets of other
    clinics may attend too, and each attendee's clinic counts as trained from that date.
    """

    code = models.CharField(max_length=40, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="trainings")
    # Required for every training logged or imported; null only for rows that predate
    # campaign scope and that migration 0011 could not place in any campaign's window.
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        on_delete=models.PROTECT,
        related_name="customer_trainings",
        help_text="The campaign this training was given for; its uplift counts it.",
    )
    date = models.DateField(db_index=True)
    format = models.CharField(max_length=20, choices=TrainingFormat.choices)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trainings_delivered"
    )
    field_vet = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trainings_codelivered",
    )
    attendees = models.ManyToManyField(Vet, through="TrainingAttendance", related_name="trainings")
    topic = models.CharField(max_length=200, blank=True)
    materials = models.TextField(
        blank=True, help_text="Materials used: slides, X-ray sets, the customer-training kit."
    )
    asset_versions = models.ManyToManyField(
        "campaigns.AssetVersion",
        blank=True,
        related_name="customer_trainings",
        verbose_name="approved assets used",
    )
    notes = models.TextField(blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for trainings loaded in bulk.",
    )
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "code"]
        indexes = [models.Index(fields=["campaign", "date"], name="field_training_campaign")]

    def __str__(self) -> str:
        return f"{self.get_format_display()} at {self.clinic.name} on {self.date}"


class TrainingAttendance(models.Model):
    """One vet at one customer training, with their pre- and post-test scores (0 to 100)."""

    training = models.ForeignKey(CustomerTraining, on_delete=models.CASCADE)
    vet = models.ForeignKey(Vet, on_delete=models.CASCADE)
    pre_score = models.FloatField(null=True, blank=True)
    post_score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["training", "vet"]
        constraints = [
            models.UniqueConstraint(fields=["training", "vet"], name="one_attendance_per_vet")
        ]

    def __str__(self) -> str:
        return f"{self.vet} at {self.training.code}"

    @property
    def score_change(self) -> float | None:
        """Post-test minus pre-test score, when both were taken."""
        if self.pre_score is None or self.post_score is None:
            return None
        return self.post_score - self.pre_score


class Activity(models.Model):
    """A visit, call, e-mail or webinar a rep had with a clinic, as the rep logged it."""

    code = models.CharField(
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text="Identifier given by a bulk load (CRM history, the demo), so it runs once.",
    )
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="activities")
    vets = models.ManyToManyField(Vet, blank=True, related_name="activities")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="field_activities"
    )
    field_vet = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="field_activities_joined",
        help_text="The technical field vet who came along, if any.",
    )
    occurred_at = models.DateTimeField(db_index=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    summary = models.TextField(blank=True, help_text="What was discussed.")
    next_step = models.CharField(max_length=300, blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="field_activities",
        help_text="The campaign whose messages, assets and objections were in play.",
    )
    key_messages = models.ManyToManyField(
        "campaigns.KeyMessage", blank=True, related_name="field_activities"
    )
    asset_versions = models.ManyToManyField(
        "campaigns.AssetVersion",
        blank=True,
        related_name="field_activities",
        verbose_name="approved assets used",
    )
    objections = models.ManyToManyField(
        "campaigns.Objection",
        blank=True,
        related_name="field_activities",
        verbose_name="objections heard",
    )
    logged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            # A clinic's latest activities (clinic lists, clinic page) without walking
            # every activity by date until one of the clinic's turns up.
            models.Index(fields=["clinic", "-occurred_at", "-id"], name="activity_clinic_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.clinic.name} on {self.occurred_at:%Y-%m-%d}"


class LadderMove(models.Model):
    """One move of a vet, or of a whole clinic, on the adoption ladder.

    ``vet`` is empty when the clinic itself moved; ``clinic`` is always set, so a
    clinic's history shows its own moves and its vets'.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="ladder_moves")
    vet = models.ForeignKey(
        Vet, null=True, blank=True, on_delete=models.CASCADE, related_name="ladder_moves"
    )
    from_stage = models.CharField(max_length=20, choices=AdoptionStage.choices)
    to_stage = models.CharField(max_length=20, choices=AdoptionStage.choices)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    moved_at = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        who = self.vet if self.vet_id else self.clinic
        return f"{who}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"


class CrmImport(models.Model):
    """A CRM export of clinics or vets (CSV or Excel), its column mapping and its outcome.

    The file is kept in the database until committed, so the preview and the import
    read the same bytes; ``report`` lists every refused row after the import.
    """

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    sheet = models.CharField(max_length=100, blank=True, help_text="Excel only.")
    mapping = models.JSONField(
        default=dict, blank=True, help_text="OneVoice field → column header of the file."
    )
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    committed_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=list, blank=True, help_text="Refused rows and why.")

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "CRM import"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name}"
