"""Remind reps of overdue pre-work, in the app and by e-mail: run it daily from cron.

    onevoice manage training_reminders [--date YYYY-MM-DD] [--base-url https://…] [--no-email]

Running it twice the same day sends nothing new: one reminder per rep, channel and day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onevoice.training.services import reminders_send


class Command(BaseCommand):
    help = "Remind reps whose pre-work is overdue (in the app, and by e-mail)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Act as if today were this date (YYYY-MM-DD).")
        parser.add_argument("--base-url", default="", help="Site address for the links in e-mails.")
        parser.add_argument("--no-email", action="store_true", help="In-app reminders only.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date {options['date']!r} is not a date (YYYY-MM-DD)."
                ) from None
        sent = reminders_send(
            today=today, base_url=options["base_url"].rstrip("/"), email=not options["no_email"]
        )
        by_channel: dict[str, int] = {}
        for reminder in sent:
            by_channel[reminder.channel] = by_channel.get(reminder.channel, 0) + 1
        detail = ", ".join(f"{n} {c}" for c, n in sorted(by_channel.items())) or "none due"
        self.stdout.write(f"Sent {len(sent)} reminder(s): {detail}.")
