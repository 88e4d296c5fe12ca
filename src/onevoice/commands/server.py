"""``onevoice demo`` and ``onevoice serve``."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from onevoice.commands.django_env import django_start, migrate

console = Console()

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Data directory (default: $ONEVOICE_HOME or ./onevoice-data)."),
]
HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]


def serve_wsgi(*, host: str, port: int, workers: int, threads: int) -> None:
    """Run the production WSGI server (gunicorn); static files come through WhiteNoise."""
    from gunicorn.app.base import BaseApplication

    from onevoice.config.wsgi import application

    class _Server(BaseApplication):
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": "-",
                # The combined format plus the time taken (ms) and the worker's pid.
                "access_log_format": (
                    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms pid=%(p)s'
                ),
                "timeout": 120,
                "graceful_timeout": 5,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    _Server().run()


def serve(
    home: HomeOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 0,
    threads: Annotated[int, typer.Option(help="Threads per worker.")] = 4,
    no_migrate: Annotated[bool, typer.Option("--no-migrate", help="Skip migrations.")] = False,
) -> None:
    """Serve OneVoice with a production WSGI server."""
    django_start(home)
    if not no_migrate:
        migrate()
    workers = workers or min(4, multiprocessing.cpu_count())
    console.print(f"OneVoice at [bold]http://{host}:{port}/[/bold]")
    serve_wsgi(host=host, port=port, workers=workers, threads=threads)


def demo(
    home: HomeOption = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after loading; do not start the server.")
    ] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    clinics: Annotated[
        int, typer.Option(min=50, help="Clinics to simulate (the demo uses ~2,000).")
    ] = 2000,
    seed: Annotated[int | None, typer.Option(help="Simulation seed.")] = None,
) -> None:
    """Create or migrate the data directory, load the simulated launch and serve it."""
    home = django_start(home)
    from onevoice.measurement.demo_run import demo_prepare

    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("Migrating the database", total=None)

        def step(label: str, done: int, total: int) -> None:
            progress.update(task, description=label, completed=done, total=total)

        migrate()
        outcome = demo_prepare(n_clinics=clinics, seed=seed, step=step)

    console.print(f"Data directory: [bold]{home}[/bold]")
    console.print(outcome.summary)
    table = Table(title="Demo logins (password: " + outcome.logins.password + ")")
    table.add_column("Role")
    table.add_column("Username", style="bold")
    for role, username in outcome.logins.by_role.items():
        table.add_row(role.label, username)
    console.print(table)
    if no_serve:
        return
    console.print(f"Open [bold]http://{host}:{port}/[/bold] and log in with one of the above.")
    serve_wsgi(host=host, port=port, workers=2, threads=4)
