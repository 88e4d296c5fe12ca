"""Running the `onevoice` command as a user would: a fresh process, no server settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_onevoice(
    *args: str, home: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m onevoice ARGS`` on the embedded database (``DATABASE_URL`` unset), in
    ``home`` when given (``ONEVOICE_HOME``), else wherever ``--home`` in ``args`` says;
    ``env`` adds variables."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ONEVOICE_HOME"}},
        **(env or {}),
    }
    if home is not None:
        env["ONEVOICE_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "onevoice", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
