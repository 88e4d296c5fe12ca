"""The ``onevoice`` command: one module per command group under ``onevoice.commands``."""

from __future__ import annotations

from typing import Any

import typer

from onevoice.commands import sales as sales_commands
from onevoice.commands.backup import backup_command, restore_command
from onevoice.commands.django_env import django_start, migrate
from onevoice.commands.portfolio import portfolio
from onevoice.commands.report import report
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
app.command()(report)
app.command()(portfolio)
app.add_typer(sales_commands.import_app, name="import")
app.add_typer(sales_commands.export_app, name="export")
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)(manage)


def _sales_hooks() -> None:
    """Give the sales commands the Django-side reference, dataset and manifest mirror.

    Django starts only when a sales command runs, so `onevoice --help` stays fast.
    """

    def start() -> None:
        django_start(None)
        migrate()

    def reference() -> Any:
        start()
        from onevoice.measurement.sales import sales_reference

        return sales_reference()

    def dataset() -> Any:
        start()
        from onevoice.measurement.sales import sales_dataset, sales_reconcile

        # As the page does: a batch whose import was killed half-way gets its row first.
        sales_reconcile()
        return sales_dataset()

    def on_import(report: Any) -> None:
        from onevoice.measurement.sales import sales_batch_record

        # No account signs in on the command line: the audit row names the system user
        # who ran it (whoever has a shell on the server could name any account).
        sales_batch_record(report=report, user=None, via=f"command line ({_system_user()})")

    sales_commands.configure(reference=reference, dataset=dataset, on_import=on_import)


def _system_user() -> str:
    """The account the process runs as, from the user database, not the environment
    (``USER=someone`` would name anyone); its uid where the account has no entry."""
    import os
    import pwd

    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def main() -> None:
    _sales_hooks()
    app()


if __name__ == "__main__":
    main()
