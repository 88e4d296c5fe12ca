"""Status values of the measurement app."""

from django.db import models


class KpiStatus(models.TextChoices):
    """Where a KPI stands against its plan (the rule: ``kpis.kpi_status``)."""

    ACHIEVED = "achieved", "Achieved"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    MISSED = "missed", "Missed"
    NO_DATA = "no_data", "No data"
    # For an estimate with an interval (the causal uplift): "achieved" needs the whole
    # 95% interval at or above the target; the estimate alone reaching it is "likely".
    LIKELY = "likely", "Likely, not yet proven"
    NOT_SHOWN = "not_shown", "Not shown"


class KpiTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    REQUEST = "request", "On request"
    BACKFILL = "backfill", "Backfill"


# The two leads who write the review's lessons (values of campaigns.choices.Function).
LESSON_FUNCTIONS = [("marketing", "Marketing"), ("sales", "Sales")]
