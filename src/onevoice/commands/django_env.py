"""Start Django from the CLI, for a given data directory."""

from __future__ import annotations

import os
from pathlib import Path


def django_start(home: Path | None = None) -> Path:
    """Point OneVoice at ``home`` (or ``ONEVOICE_HOME``), set Django up, return the home.

    Must run before anything imports Django models; settings read the environment once.
    """
    if home is not None:
        os.environ["ONEVOICE_HOME"] = str(home.expanduser().resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onevoice.config.settings")
    import django
    from django.conf import settings

    django.setup()
    return Path(settings.ONEVOICE_HOME)


def migrate(*, verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)
