"""``onevoice createuser``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from onevoice.commands.django_env import django_start, migrate


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
    home: Annotated[Path | None, typer.Option("--home", help="Data directory.")] = None,
) -> None:
    """Create a user with one role."""
    django_start(home)
    migrate()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from onevoice.accounts.services import user_create

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
        )
    except ValidationError as exc:
        typer.echo("Error: " + " ".join(exc.messages), err=True)
        raise typer.Exit(1) from None
    except ValueError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Created {user.username} ({role}).")


def manage(
    ctx: typer.Context,
    home: Annotated[Path | None, typer.Option("--home", help="Data directory.")] = None,
) -> None:
    """Run a Django management command, e.g. `onevoice manage check --deploy`."""
    django_start(home)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["onevoice manage", *ctx.args])
