"""The data directory (``ONEVOICE_HOME``) and what lives in it.

Everything a OneVoice installation writes — the SQLite database, uploaded media, the
sales dataset and the generated secret key — sits under one directory, so a backup is
one copy and a fresh demo is one ``--home``.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

DEFAULT_HOME = "onevoice-data"
SECRET_KEY_FILE = "secret_key"
DB_FILES = ("onevoice.sqlite3", "onevoice.sqlite3-wal", "onevoice.sqlite3-shm")


def data_home() -> Path:
    """Return the data directory, creating it on first use.

    Under pytest (which sets ``PYTEST_VERSION`` before any plugin loads the settings)
    without an explicit ``ONEVOICE_HOME``, a throwaway directory: a test run must never
    write into the developer's demo data, and tests that check files must look where
    the settings really point.
    """
    if "ONEVOICE_HOME" not in os.environ and "PYTEST_VERSION" in os.environ:
        os.environ["ONEVOICE_HOME"] = tempfile.mkdtemp(prefix="onevoice-test-home-")
    home = Path(os.environ.get("ONEVOICE_HOME", DEFAULT_HOME)).expanduser().resolve()
    private_files()
    home.mkdir(parents=True, exist_ok=True)
    _owner_only(home, 0o700)
    # The database holds live session keys; tighten a copy created before this rule.
    for name in DB_FILES:
        _owner_only(home / name, 0o600)
    return home


def private_files() -> None:
    """Make every file and folder this process creates its owner's only (0600 / 0700):
    the database and its -wal/-shm, uploads, the sales dataset and backup archives hold
    customer data and live sessions."""
    os.umask(0o077)


def _owner_only(path: Path, mode: int) -> None:
    try:
        if path.exists() and path.stat().st_uid == os.getuid():
            path.chmod(mode)
    except OSError:  # a home on a file system without modes: nothing to tighten
        pass


def secret_key(home: Path) -> str:
    """Return the installation's secret key, generating it (mode 0600) on first run.

    The key is written with ``O_EXCL`` so two processes starting at once cannot each
    write a different key and invalidate each other's sessions.
    """
    path = home / SECRET_KEY_FILE
    if not path.exists():
        key = secrets.token_urlsafe(50)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(key)
    return path.read_text().strip()
