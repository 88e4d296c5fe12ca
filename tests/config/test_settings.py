"""Settings come from the environment only; checked in fresh interpreters."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.db import connection
with connection.cursor() as c:
    if connection.vendor == "sqlite":
        c.execute("PRAGMA journal_mode"); mode = c.fetchone()[0]
    else:
        mode = None
print(json.dumps({
    "vendor": connection.vendor, "journal": mode, "debug": settings.DEBUG,
    "db": str(settings.DATABASES["default"]["NAME"]), "key": settings.SECRET_KEY,
    "secure_cookie": settings.SESSION_COOKIE_SECURE, "media": str(settings.MEDIA_ROOT),
}))
"""


def _probe(home: Path, **env: str) -> dict[str, object]:
    full = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ONEVOICE_DEBUG"}}
    full.update(ONEVOICE_HOME=str(home), DJANGO_SETTINGS_MODULE="onevoice.config.settings")
    full.update(env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=full, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_in_wal_mode_inside_home(tmp_path):
    home = tmp_path / "data"
    info = _probe(home)
    assert info["vendor"] == "sqlite"
    assert info["journal"] == "wal"
    assert info["db"] == str(home / "onevoice.sqlite3")
    assert info["media"] == str(home / "media")
    assert info["debug"] is False
    assert info["secure_cookie"] is False


def test_secret_key_is_generated_once_with_mode_0600(tmp_path):
    first = _probe(tmp_path)["key"]
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(str(first)) >= 50
    assert _probe(tmp_path)["key"] == first
    assert _probe(tmp_path / "other")["key"] != first


def test_debug_and_https_only_when_asked(tmp_path):
    info = _probe(tmp_path, ONEVOICE_DEBUG="1", ONEVOICE_HTTPS="1")
    assert info["debug"] is True
    assert info["secure_cookie"] is True


def test_database_url_switches_database(tmp_path):
    url = os.environ.get("DATABASE_URL")
    if not url:
        # Without a server, check the URL is honoured by the parsed settings alone.
        url = "postgresql://postgres@127.0.0.1:1/none"
        script = (
            "from django.conf import settings; import json;"
            "print(json.dumps(settings.DATABASES['default']['ENGINE']))"
        )
        env = {
            **os.environ,
            "ONEVOICE_HOME": str(tmp_path),
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "onevoice.config.settings",
        }
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        assert "postgresql" in out.stdout
        return
    assert _probe(tmp_path, DATABASE_URL=url)["vendor"] == "postgresql"


def _home_in(cwd: Path, **env: str) -> Path:
    """Where ``data_home()`` points in a fresh interpreter started in ``cwd``."""
    full = {k: v for k, v in os.environ.items() if k not in {"ONEVOICE_HOME", "PYTEST_VERSION"}}
    full.update(env)
    code = "from onevoice.config.home import data_home; print(data_home())"
    out = subprocess.run(
        [sys.executable, "-c", code], env=full, cwd=cwd, capture_output=True, text=True, check=True
    )
    return Path(out.stdout.strip())


def test_a_test_run_never_writes_into_the_default_data_directory(tmp_path):
    # Outside pytest the default is ./onevoice-data; under pytest without ONEVOICE_HOME
    # it is a throwaway directory, so tests cannot touch a developer's demo data.
    assert _home_in(tmp_path) == (tmp_path / "onevoice-data").resolve()
    under_pytest = _home_in(tmp_path, PYTEST_VERSION="9")
    assert under_pytest.name.startswith("onevoice-test-home-")
    assert (
        _home_in(tmp_path, PYTEST_VERSION="9", ONEVOICE_HOME=str(tmp_path / "x"))
        == (tmp_path / "x").resolve()
    )
