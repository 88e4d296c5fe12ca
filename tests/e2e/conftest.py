"""A real OneVoice: `onevoice demo --no-serve` into a fresh home, then `onevoice serve`,
driven by Playwright in Debian's chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from onevoice.accounts.choices import Role

CHROMIUM = Path("/usr/bin/chromium")
DEMO_CLINICS = "200"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "onevoice", *args]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(ONEVOICE_HOME=str(home), COLUMNS="160")
    return env


def parse_logins(output: str) -> dict[Role, str]:
    """Read the demo's login table: one row per role label, username beside it."""
    logins = {}
    for role in Role:
        match = re.search(rf"{re.escape(role.label)}\s*│\s*(\S+)", output)
        if match:
            logins[role] = match.group(1)
    return logins


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Role, str], str]:
    home = tmp_path_factory.mktemp("e2e-home")
    out = subprocess.run(
        _cli("demo", "--no-serve", "--home", str(home), "--clinics", DEMO_CLINICS),
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return home, parse_logins(out.stdout), out.stdout


@pytest.fixture(scope="session")
def server(demo_home: tuple[Path, dict[Role, str], str]) -> Iterator[str]:
    home = demo_home[0]
    port = _free_port()
    proc = subprocess.Popen(
        _cli("serve", "--home", str(home), "--port", str(port), "--workers", "2"),
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"onevoice serve exited: {proc.stderr.read() if proc.stderr else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("onevoice serve did not start within 60 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian's chromium is missing: scripts/test installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
