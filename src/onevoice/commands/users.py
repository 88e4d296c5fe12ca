"""``onevoice createuser``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from onevoice.commands.django_env import django_start, migrate

WARNING_FIELD_VET_NO_REGION = (
    "Warning: a technical field vet without --region sees no clinic until given a region."
)


def createuser(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        str,
        typer.Option(
            help="marketing, sales_manager, sales_rep, field_vet, reviewer, analyst or admin."
        ),
    ],
    first_name: Annotated[str, typer.Option()] = "",
    last_name: Annotated[str, typer.Option()] = "",
    email: Annotated[str, typer.Option()] = "",
    password: Annotated[
        str | None,
        typer.Option(
            envvar="ONEVOICE_PASSWORD",
            help="Password (or $ONEVOICE_PASSWORD); asked for when omitted.",
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="Home region's code: the clinics a field vet works with."),
    ] = None,
    territory: Annotated[
        list[str] | None,
        typer.Option(help="Code of a territory a sales rep covers (repeat for several)."),
    ] = None,
    team: Annotated[
        str | None, typer.Option(help="Name of the team a sales manager leads.")
    ] = None,
    home: Annotated[Path | None, typer.Option("--home", help="Data directory.")] = None,
) -> None:
    """Create a user with one role, and where they work."""
    django_start(home)
    migrate()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from onevoice.accounts.models import Region, Team, Territory
    from onevoice.accounts.services import user_create

    home_region = Region.objects.filter(code=region).first() if region else None
    if region and home_region is None:
        typer.echo(f"Error: no region with code {region!r}.", err=True)
        raise typer.Exit(1)
    territories = []
    for code in territory or []:
        found = Territory.objects.filter(code=code).first()
        if found is None:
            typer.echo(f"Error: no territory with code {code!r}.", err=True)
            raise typer.Exit(1)
        territories.append(found)
    led = Team.objects.filter(name=team).first() if team else None
    if team and led is None:
        typer.echo(f"Error: no team named {team!r}.", err=True)
        raise typer.Exit(1)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        validate_password(password)
        user = user_create(
            username=username,
            password=password,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            home_region=home_region,
            territories=tuple(territories),
            team=led,
        )
    except ValidationError as exc:
        typer.echo("Error: " + " ".join(exc.messages), err=True)
        raise typer.Exit(1) from None
    except ValueError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Created {user.username} ({role}).")
    if role == "field_vet" and home_region is None:
        typer.echo(WARNING_FIELD_VET_NO_REGION, err=True)


def manage(
    ctx: typer.Context,
    home: Annotated[Path | None, typer.Option("--home", help="Data directory.")] = None,
) -> None:
    """Run a Django management command, e.g. `onevoice manage check --deploy`."""
    django_start(home)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["onevoice manage", *ctx.args])
