"""The ``onevoice`` command: one module per command group under ``onevoice.commands``."""

from __future__ import annotations

import typer

from onevoice.commands.backup import backup_command, restore_command
from onevoice.commands.server import demo, serve
from onevoice.commands.uplift import uplift
from onevoice.commands.users import createuser, manage

app = typer.Typer(
    name="onevoice",
    help="OneVoice: launch animal-health products with marketing and sales as one team.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(demo)
app.command()(serve)
app.command()(createuser)
app.command()(uplift)
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)(manage)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
