"""Measurement on the Django side: the manifest of sales imports (more with KPIs and analyses)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SalesBatch(models.Model):
    """One imported sales file: the operational mirror of a Parquet dataset batch."""

    batch_id = models.CharField(max_length=40, unique=True)
    source_name = models.CharField(max_length=300)
    content_hash = models.CharField(max_length=64, db_index=True)
    rows_read = models.PositiveIntegerField()
    rows_stored = models.PositiveIntegerField()
    rows_quarantined = models.PositiveIntegerField()
    reasons = models.JSONField(default=dict)
    months = models.JSONField(default=list)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)
    rolled_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name_plural = "sales batches"

    def __str__(self) -> str:
        return f"{self.batch_id} ({self.source_name})"

    @property
    def is_active(self) -> bool:
        return self.rolled_back_at is None


class UpliftAnalysis(models.Model):
    """One run of the uplift engine on a campaign's data, with its inputs and results.

    ``inputs`` records what the numbers came from (active sales batches, clinics,
    trained clinics, options), so the same data and options always give the same result.
    """

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="uplift_analyses"
    )
    options = models.JSONField()
    inputs = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10,
        choices=[("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
    )
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    charts = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "uplift analyses"

    def __str__(self) -> str:
        return f"Uplift of {self.campaign} ({self.created_at:%Y-%m-%d %H:%M})"
