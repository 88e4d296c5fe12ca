"""Backup and restore of an embedded installation: its whole data directory.

The archive (``.tar.gz``) holds a consistent copy of the SQLite database (taken with
SQLite's online backup API, so a running server can keep writing), the media files,
the sales dataset and the secret key, plus a manifest with a SHA-256 per file that
``restore`` verifies before anything is written. The archive contains customer data
and the installation's secret: store it like the data directory itself.

The sales dataset's files are hard-linked while its lock is held (imports and rollbacks
wait that moment; the files are never rewritten in place, so a link is a snapshot) and
archived after. The database is copied just before: a batch imported or rolled back in
between is in the archive's dataset but not yet in its database, and
``sales_reconcile`` brings the rows in line on the restored installation (as after a
crash). One backup runs at a time (a lock file in the data directory); it first removes
what a killed backup left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DB_NAME = "onevoice.sqlite3"
INCLUDED_DIRS = ("media", "sales")
INCLUDED_FILES = ("secret_key", "demo-truth.json")
# Derived from what is backed up, rebuilt when first needed (see
# ``analytics.warehouse.clinic_index``): not worth its size in the archive.
EXCLUDED_DIRS = ("sales/derived",)
# The sales dataset's lock file (``SalesDataset._locked``): held by every import and
# rollback while it changes the dataset.
SALES_LOCK = Path("sales") / ".lock"
BACKUP_LOCK = Path(".backup.lock")
STAGING_PREFIX = ".backup-"
MANIFEST = "manifest.json"
FORMAT = 1

ERROR_POSTGRES = (
    "DATABASE_URL is set: back up PostgreSQL with pg_dump (see the README); "
    "`onevoice backup` covers the embedded SQLite installation."
)
ERROR_NO_DB = "{home} holds no OneVoice database ({db} is missing)."
ERROR_NOT_EMPTY = (
    "{home} is not empty; restore into a new directory, or pass --force to replace it."
)
ERROR_CORRUPT = "{archive}: {member} does not match its checksum; nothing was restored."
ERROR_NOT_BACKUP = "{archive} is not a OneVoice backup (no manifest)."
ERROR_MANIFEST = "{archive}: damaged manifest: {problem}; nothing was restored."
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _manifest_files(path: Path, archive: Path) -> dict[str, str]:
    """The ``files`` of the manifest at ``path``: a name, relative and inside the archive's
    data, to its SHA-256 for each file. A manifest that is not what ``backup`` writes is
    refused with the problem named (issue 17: it was a traceback)."""

    def refuse(problem: str) -> BackupError:
        return BackupError(ERROR_MANIFEST.format(archive=archive, problem=problem))

    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise refuse(f"{MANIFEST} is not valid JSON") from None
    if not isinstance(manifest, dict):
        raise refuse(f"{MANIFEST} is not a JSON object")
    version = manifest.get("format")
    if type(version) is not int or version != FORMAT:
        raise refuse(f"format {version!r}, this version reads format {FORMAT}")
    if "files" not in manifest:
        raise refuse(f"{MANIFEST} has no 'files'")
    files = manifest["files"]
    if not isinstance(files, dict):
        raise refuse("'files' is not an object of names and checksums")
    for name, digest in files.items():
        parts = Path(name).parts
        if not name or Path(name).is_absolute() or ".." in parts:
            raise refuse(f"file name {name!r} is outside the archive's data")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise refuse(f"the checksum of {name} is not a SHA-256")
    if DB_NAME not in files:
        raise refuse(f"it lists no {DB_NAME}")
    return files


class BackupError(RuntimeError):
    """A backup or restore that could not be done; nothing was changed."""


@dataclass(frozen=True)
class BackupSummary:
    archive: Path
    files: int
    bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(home: Path, archive: Path) -> BackupSummary:
    """Write ``archive`` from the data directory ``home``."""
    if os.environ.get("DATABASE_URL"):
        raise BackupError(ERROR_POSTGRES)
    db = home / DB_NAME
    if not db.exists():
        raise BackupError(ERROR_NO_DB.format(home=home, db=DB_NAME))
    with _held(home / BACKUP_LOCK):
        # A killed backup's copy of the database (customer data) is not left lying around.
        for leftover in home.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)
        return _backup(home, db, archive)


def _backup(home: Path, db: Path, archive: Path) -> BackupSummary:
    # In the data directory: hard links need the same file system.
    with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=home) as tmp:
        staging = Path(tmp)
        # The online backup API gives a consistent snapshot even under WAL writes.
        with sqlite3.connect(db) as source, sqlite3.connect(staging / DB_NAME) as target:
            source.backup(target)
        target_files = {DB_NAME: staging / DB_NAME}
        for name in INCLUDED_FILES:
            if (home / name).exists():
                target_files[name] = home / name
        with _held(home / SALES_LOCK):
            for directory in INCLUDED_DIRS:
                root = home / directory
                if root.exists():
                    for path in sorted(p for p in root.rglob("*") if p.is_file()):
                        relative = path.relative_to(home)
                        if any(relative.is_relative_to(skip) for skip in EXCLUDED_DIRS):
                            continue
                        target_files[str(relative)] = _snapshot(path, staging / "files" / relative)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "files": {name: _sha256(path) for name, path in target_files.items()},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        partial = archive.with_name(archive.name + ".partial")
        archive.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(staging / MANIFEST, arcname=MANIFEST)
            for name, path in target_files.items():
                tar.add(path, arcname=f"data/{name}")
        # Customer data and the secret key: the owner's only, whatever the umask.
        partial.chmod(0o600)
        partial.replace(archive)
        size = sum(p.stat().st_size for p in target_files.values())
    return BackupSummary(archive=archive, files=len(target_files), bytes=size)


@contextlib.contextmanager
def _held(lock: Path) -> Iterator[None]:
    """Hold ``lock`` (an flock on the file; others asking for it wait)."""
    if not lock.parent.exists():
        yield
        return
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _snapshot(path: Path, to: Path) -> Path:
    """``path`` as it is now: a hard link, or a copy where links are not possible."""
    to.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(path, to)
    except OSError:
        shutil.copy2(path, to)
    return to


def restore(archive: Path, home: Path, *, force: bool = False) -> int:
    """Restore ``archive`` into ``home``; verified in full before the home is touched."""
    if home.exists() and any(home.iterdir()) and not force:
        raise BackupError(ERROR_NOT_EMPTY.format(home=home))
    home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="onevoice-restore-", dir=home.parent) as tmp:
        staging = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(staging, filter="data")
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(f"{ERROR_NOT_BACKUP.format(archive=archive)} ({exc})") from None
        manifest_path = staging / MANIFEST
        if not manifest_path.exists():
            raise BackupError(ERROR_NOT_BACKUP.format(archive=archive))
        files = _manifest_files(manifest_path, archive)
        restored_names = {
            str(p.relative_to(staging / "data"))
            for p in (staging / "data").rglob("*")
            if p.is_file() or p.is_symlink()
        }
        unlisted = sorted(restored_names - set(files))
        if unlisted:
            problem = f"{unlisted[0]!r} is in the archive but not in it"
            raise BackupError(ERROR_MANIFEST.format(archive=archive, problem=problem))
        for name, digest in files.items():
            path = staging / "data" / name
            if not path.exists() or _sha256(path) != digest:
                raise BackupError(ERROR_CORRUPT.format(archive=archive, member=name))
        restored = staging / "data"
        if (restored / "secret_key").exists():
            (restored / "secret_key").chmod(0o600)
        if home.exists():
            old = home.with_name(home.name + ".before-restore")
            shutil.rmtree(old, ignore_errors=True)
            home.replace(old)
            restored.replace(home)
            shutil.rmtree(old)
        else:
            restored.replace(home)
    return len(files)
