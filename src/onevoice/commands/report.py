"""``onevoice report CAMPAIGN``: the post-implementation review as HTML, PDF and Excel.

CAMPAIGN is the campaign's id or slug. The files go to ``--out`` (default: the current
folder), named ``review-<slug>-<as-of day>.{html,pdf,xlsx}``. When the campaign has no
finished uplift analysis, one is run first with the recommended options. The same data
always give the same files. Failures exit non-zero with one line on stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["report"]


def report(
    campaign: Annotated[str, typer.Argument(help="The campaign's id or slug.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write the three files into.")
    ] = Path("."),
    home: Annotated[
        Path | None, typer.Option("--home", help="Data directory (default: $ONEVOICE_HOME).")
    ] = None,
) -> None:
    """Write the post-implementation review of a campaign (HTML, PDF, Excel)."""
    from onevoice.commands.django_env import django_start, migrate

    django_start(home)
    migrate()
    from django.db.models import Q

    from onevoice.campaigns.models import Campaign
    from onevoice.measurement.review import review_build
    from onevoice.measurement.review_files import review_write

    lookup = Q(slug=campaign) | (Q(pk=int(campaign)) if campaign.isdigit() else Q(pk__in=[]))
    found = Campaign.objects.filter(lookup).select_related("marketing_lead", "sales_lead").first()
    if found is None:
        typer.echo(f"error: no campaign with id or slug {campaign!r}", err=True)
        raise typer.Exit(code=1)
    try:
        doc = review_build(campaign=found, user=None)
        paths = review_write(doc, out)
    except OSError as exc:
        typer.echo(f"error: cannot write the review into {out}: {exc.strerror or exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Review of {found.name} as of {doc.as_of.isoformat()}:")
    for path in paths:
        typer.echo(f"  {path}")
