"""``onevoice manage kpis_compute``: compute and store the KPI values of campaigns.

Meant for cron, e.g. every night at 02:00::

    0 2 * * *  ONEVOICE_HOME=/srv/onevoice /srv/onevoice/.venv/bin/onevoice manage kpis_compute

Without ``--campaign`` it computes every live campaign's plan. Exits non-zero with one
line on stderr when a named campaign does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from onevoice.campaigns.choices import CampaignStatus
from onevoice.campaigns.models import Campaign
from onevoice.measurement.choices import KpiTrigger
from onevoice.measurement.kpis import kpi_values_backfill, kpi_values_compute

ERROR_NO_CAMPAIGN = "no campaign with id or slug {value!r}"


def campaign_lookup(value: str) -> Campaign:
    """A campaign by id or slug, or CommandError."""
    lookup = Q(slug=value) | (Q(pk=int(value)) if value.isdigit() else Q(pk__in=[]))
    found = Campaign.objects.filter(lookup).first()
    if found is None:
        raise CommandError(ERROR_NO_CAMPAIGN.format(value=value))
    return found


class Command(BaseCommand):
    help = "Compute every KPI of the campaigns' plans from the data and store the values."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", help="Id or slug (default: every live campaign).")
        parser.add_argument("--as-of", help="Day the values describe, YYYY-MM-DD (default: today).")
        parser.add_argument(
            "--backfill",
            action="store_true",
            help="Also store month-end values since the campaign started (for the trend).",
        )
        parser.add_argument(
            "--with-uplift",
            action="store_true",
            help="Run a fresh uplift analysis first, so the causal uplift KPI is current.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = None
        if options.get("as_of"):
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"--as-of {options['as_of']!r} is not a YYYY-MM-DD date"
                ) from None
        if options.get("campaign"):
            campaigns = [campaign_lookup(options["campaign"])]
        else:
            campaigns = list(Campaign.objects.filter(status=CampaignStatus.LIVE).order_by("pk"))
        if not campaigns:
            self.stdout.write("No live campaign: nothing to compute.")
            return
        for campaign in campaigns:
            if options.get("with_uplift"):
                from onevoice.measurement.uplift import uplift_analysis_run

                analysis = uplift_analysis_run(campaign=campaign, user=None)
                self.stdout.write(
                    f"{campaign.slug}: uplift analysis {analysis.pk} {analysis.status}"
                )
            if options.get("backfill"):
                n = kpi_values_backfill(campaign=campaign, until=as_of)
                self.stdout.write(f"{campaign.slug}: {n} month-end values stored")
            values = kpi_values_compute(campaign=campaign, as_of=as_of, trigger=KpiTrigger.SCHEDULE)
            for v in values:
                shown = "no data" if v.value is None else f"{v.value:g}"
                self.stdout.write(f"{campaign.slug}: {v.code} = {shown} ({v.get_status_display()})")
