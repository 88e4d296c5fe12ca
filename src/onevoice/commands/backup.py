"""``onevoice backup`` and ``onevoice restore`` for the embedded installation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from onevoice.backup import BackupError, backup, restore
from onevoice.config.home import DEFAULT_HOME, private_files


def _home(home: Path | None) -> Path:
    private_files()  # the archive, its staging copy and restored files: owner only
    return (home or Path(os.environ.get("ONEVOICE_HOME", DEFAULT_HOME))).expanduser().resolve()


def backup_command(
    archive: Annotated[
        Path, typer.Argument(help="Archive to write, e.g. onevoice-2026-11-27.tar.gz")
    ],
    home: Annotated[Path | None, typer.Option("--home", help="Data directory.")] = None,
) -> None:
    """Back up the database, media, sales dataset and secret key into one archive."""
    try:
        summary = backup(_home(home), archive)
    except BackupError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Backed up {summary.files} files ({summary.bytes:,} bytes) to {summary.archive}.")


def restore_command(
    archive: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Backup archive.")],
    home: Annotated[
        Path | None, typer.Option("--home", help="Data directory to restore into.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a non-empty data directory.")
    ] = False,
) -> None:
    """Restore a backup into a data directory (verified before anything is replaced)."""
    try:
        n = restore(archive, _home(home), force=force)
    except BackupError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Restored {n} files into {_home(home)}.")
