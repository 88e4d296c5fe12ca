"""`onevoice manage training_reminders`, as cron runs it."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tests.training.factories import make_program


def test_reminders_command_sends_once_a_day(org):
    t = make_program(org)
    t.rep.email = "rep@example.org"
    t.rep.save(update_fields=["email"])
    day = (t.program.prework_due + dt.timedelta(days=3)).isoformat()
    out = StringIO()
    call_command(
        "training_reminders", "--date", day, "--base-url", "https://ov.example/", stdout=out
    )
    assert out.getvalue().strip() == "Sent 3 reminder(s): 1 email, 2 in_app."
    assert "https://ov.example/training/programs/" in mail.outbox[0].body
    out = StringIO()
    call_command("training_reminders", "--date", day, stdout=out)
    assert out.getvalue().strip() == "Sent 0 reminder(s): none due."


def test_reminders_command_refuses_a_bad_date(org):
    with pytest.raises(CommandError, match="'31/12/2026' is not a date"):
        call_command("training_reminders", "--date", "31/12/2026")
