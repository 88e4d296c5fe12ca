"""Measurement on the Django side: sales imports, uplift analyses, KPI values, reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from onevoice.measurement.choices import LESSON_FUNCTIONS, KpiStatus, KpiTrigger


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


class KpiValue(models.Model):
    """One computed value of a KPI in a campaign's plan: when, as of which day, and
    what it was computed from, with its status against the plan at that moment.

    Values are appended, never updated, so the history is the KPI's trend.
    """

    kpi = models.ForeignKey("campaigns.KpiTarget", on_delete=models.CASCADE, related_name="values")
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="kpi_values"
    )
    code = models.CharField(max_length=40)
    value = models.FloatField(null=True, blank=True, help_text="Empty when the data are missing.")
    expected = models.FloatField(
        null=True, blank=True, help_text="Where the plan expected the KPI to be by ``as_of``."
    )
    status = models.CharField(max_length=10, choices=KpiStatus.choices)
    as_of = models.DateField(help_text="The day the value describes.")
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the schedule computed it.",
    )
    trigger = models.CharField(max_length=10, choices=KpiTrigger.choices)
    inputs = models.JSONField(default=dict)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["kpi", "-as_of", "-computed_at", "-id"]
        permissions = [
            ("view_marketing_dashboard", "Open the marketing dashboard"),
            ("view_sales_dashboard", "Open the sales manager's dashboard"),
            ("view_territory_dashboard", "Open a territory's dashboard"),
            ("compute_kpis", "Compute a campaign's KPI values on request"),
            ("view_review", "Open and download post-implementation reviews"),
        ]

    def __str__(self) -> str:
        shown = "no data" if self.value is None else f"{self.value:g}"
        return f"{self.code} = {shown} as of {self.as_of}"


class ReviewLesson(models.Model):
    """What one lead (marketing or sales) learned from a campaign, for its review."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="review_lessons"
    )
    function = models.CharField(max_length=20, choices=LESSON_FUNCTIONS)
    text = models.TextField(help_text="What worked, what did not, what to do next time.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["campaign", "function"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "function"], name="one_lesson_per_lead")
        ]

    def __str__(self) -> str:
        return f"{self.get_function_display()} lessons of {self.campaign}"


class DataVersion(models.Model):
    """A token that changes, in the writer's transaction, with every write to what the
    dashboards show: ``data`` for most writes, ``activity:<territory>`` for the frequent
    ones (logged activities), so a rep's dashboard is not recomputed when another
    territory logs a visit. See :mod:`onevoice.measurement.freshness`."""

    key = models.CharField(max_length=60, unique=True)
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} = {self.token}"


class DashboardSnapshot(models.Model):
    """One dashboard as computed for one scope (who, which campaign, days and filters, as
    asked), with the data version it was computed from; shared by every server process
    and replaced when the version it was computed from is no longer current."""

    key = models.CharField(max_length=64, unique=True)
    version = models.CharField(max_length=64)
    payload = models.BinaryField(help_text="The computed dashboard, pickled (for its CSVs).")
    page = models.BinaryField(
        default=b"", help_text="Its rendered HTML fragments, pickled (empty until shown)."
    )
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    # A lease: set by the one worker refreshing a stale snapshot in the background, so
    # others serve the stale one meanwhile instead of computing it again.
    refresh_started_at = models.DateTimeField(null=True, blank=True)
    # The lease is a large scope's (refreshed by a separate process, one at a time, for up
    # to LEASE); a small scope's lease lapses sooner (SMALL_LEASE) and holds nobody back.
    refresh_large = models.BooleanField(default=False)

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"dashboard {self.key[:12]} at version {self.version[:12]}"
