"""The data directory is its owner's only (issue 17, finding 7): the SQLite database was
0644 and holds live session keys (one read of it gave an administrator's session), and
backup archives were 0644."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "a-long-test-passphrase"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run(home: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ONEVOICE_SECRET_KEY"}}
    env.update(ONEVOICE_HOME=str(home), ONEVOICE_PASSWORD=PASSWORD)
    # A permissive umask, as a shell often has: the app must not depend on it.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys, runpy; os.umask(0o022); "
            "sys.argv = ['onevoice', *sys.argv[1:]]; runpy.run_module('onevoice', run_name='__main__')",
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_database_secret_key_media_and_backups_are_the_owners_only(tmp_path):
    home = tmp_path / "home"
    _run(home, "createuser", "ana", "--role", "analyst")
    assert _mode(home) == 0o700
    db_files = [
        home / n for n in ("onevoice.sqlite3", "onevoice.sqlite3-wal", "onevoice.sqlite3-shm")
    ]
    assert db_files[0].exists()
    for path in [*db_files, home / "secret_key"]:
        if path.exists():
            assert _mode(path) == 0o600, path
    archive = tmp_path / "backups" / "onevoice.tar.gz"
    _run(home, "backup", str(archive), "--home", str(home))
    assert _mode(archive) == 0o600
    assert _mode(archive.parent) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_an_older_installations_database_is_tightened_on_start(tmp_path):
    home = tmp_path / "home"
    _run(home, "manage", "check")
    (home / "onevoice.sqlite3").touch()
    (home / "onevoice.sqlite3").chmod(0o644)
    home.chmod(0o755)
    _run(home, "manage", "check")
    assert _mode(home / "onevoice.sqlite3") == 0o600
    assert _mode(home) == 0o700


@pytest.mark.django_db
def test_uploads_are_stored_the_owners_only(settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path / "media")
    name = storage.save("assets/x/brief.pdf", ContentFile(b"%PDF-1.4"))
    assert _mode(Path(storage.path(name))) == 0o600
    assert _mode(Path(storage.path(name)).parent) == 0o700
