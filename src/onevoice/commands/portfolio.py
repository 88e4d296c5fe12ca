"""``onevoice portfolio``: is the training effect the rule? Every reviewed campaign's
uplift, pooled where their experiments are disjoint.

The same answer as the portfolio page (``measurement.review.portfolio_for``), for every
campaign. With ``--json`` stdout is exactly one JSON object: ``k``, ``method``, ``pooled``
(``estimate``, ``se``, ``ci_low``, ``ci_high``), ``tau2``, ``i2`` (percent), ``q_p``,
``entries`` (the pooled campaigns) and ``excluded`` (each refused campaign with its
reason).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["portfolio"]


def portfolio(
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="Between-campaign variance: DL (DerSimonian–Laird) or REML; the interval "
            "is Hartung–Knapp–Sidik–Jonkman either way.",
        ),
    ] = "DL",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")
    ] = False,
    home: Annotated[
        Path | None, typer.Option("--home", help="Data directory (default: $ONEVOICE_HOME).")
    ] = None,
) -> None:
    """Pool the reviewed campaigns' uplift from customer training (meta-analysis)."""
    if method not in {"DL", "REML"}:
        typer.echo(f"error: --method must be DL or REML, not {method!r}", err=True)
        raise typer.Exit(code=2)
    from onevoice.commands.django_env import django_start, migrate

    django_start(home)
    migrate()
    from onevoice.campaigns.selectors import campaign_current
    from onevoice.measurement.review import portfolio_for

    # The live campaign is listed too (not pooled until reviewed), as on the page.
    result = portfolio_for(
        user=None,
        current=campaign_current(),
        method=method,  # type: ignore[arg-type]
    )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), allow_nan=False))
        return
    typer.echo(result.verdict())
    if result.meta is not None:
        for label, value in result.figures():
            typer.echo(f"{label}: {value}")
    for entry in result.entries:
        state = "pooled" if entry.pooled else f"not pooled: {entry.excluded}"
        typer.echo(
            f"  {entry.name}: {100 * entry.estimate:.1f}% (95% CI {100 * entry.ci_low:.1f}% "
            f"to {100 * entry.ci_high:.1f}%), {state}"
        )
