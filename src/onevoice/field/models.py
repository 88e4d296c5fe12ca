"""Clinics, vets and the customer trainings reps deliver to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from onevoice.field.choices import Segment, TrainingFormat, VetRole


class Clinic(models.Model):
    """A veterinary practice, a customer; ``code`` is the company's clinic identifier."""

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

    class Meta:
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Vet(models.Model):
    """A veterinarian working at a clinic; a customer, without an account."""

    code = models.CharField(max_length=40, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="vets")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    role = models.CharField(max_length=30, choices=VetRole.choices, default=VetRole.ASSOCIATE)
    consent_to_contact = models.BooleanField(default=False)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"Dr {self.first_name} {self.last_name}"


class CustomerTraining(models.Model):
    """A training a rep (with or without a technical field vet) gave to a clinic's vets."""

    code = models.CharField(max_length=40, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="trainings")
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

    class Meta:
        ordering = ["-date", "code"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} at {self.clinic.name} on {self.date}"


class TrainingAttendance(models.Model):
    """One vet at one customer training, with their pre- and post-test scores."""

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
