"""Backup and restore round-trip a loaded installation exactly (real processes)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.commands.support import run_onevoice


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_onevoice(*args)


def _dump(home: Path) -> list[str]:
    with sqlite3.connect(home / "onevoice.sqlite3") as db:
        return list(db.iterdump())


def _files(home: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        # The database is compared by its dump; the backup's own lock file is no data.
        if p.is_file() and not p.name.startswith("onevoice.sqlite3") and p.name != ".backup.lock"
    }


@pytest.fixture(scope="module")
def loaded_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    out = _run("demo", "--no-serve", "--home", str(home), "--clinics", "60")
    assert out.returncode == 0, out.stderr
    (home / "media" / "assets").mkdir(parents=True, exist_ok=True)
    (home / "media" / "assets" / "aid.pdf").write_bytes(b"%PDF-1.4 demo")
    return home


def test_backup_then_restore_reproduces_database_and_files_exactly(loaded_home, tmp_path):
    archive = tmp_path / "b.tar.gz"
    out = _run("backup", str(archive), "--home", str(loaded_home))
    assert out.returncode == 0, out.stderr
    assert "Backed up" in out.stdout
    target = tmp_path / "restored"
    out = _run("restore", str(archive), "--home", str(target))
    assert out.returncode == 0, out.stderr
    assert _dump(target) == _dump(loaded_home)
    # The clinic-indexed copy of the sales is derived data, rebuilt when first needed.
    derived = "sales/derived/"
    assert any(name.startswith(derived) for name in _files(loaded_home))
    kept = {k: v for k, v in _files(loaded_home).items() if not k.startswith(derived)}
    assert _files(target) == kept
    assert oct((target / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_restore_refuses_a_non_empty_home_and_a_corrupt_archive(loaded_home, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert _run("backup", str(archive), "--home", str(loaded_home)).returncode == 0
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    out = _run("restore", str(archive), "--home", str(busy))
    assert out.returncode == 1
    assert "is not empty" in out.stderr
    assert (busy / "keep.txt").read_text() == "mine"
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tarball")
    out = _run("restore", str(broken), "--home", str(tmp_path / "new"))
    assert out.returncode == 1
    assert "is not a OneVoice backup" in out.stderr
    assert not (tmp_path / "new" / "onevoice.sqlite3").exists()


def test_backup_refuses_postgres_and_points_to_pg_dump(tmp_path):
    env = {**os.environ, "DATABASE_URL": "postgresql://x@127.0.0.1/none"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "onevoice",
            "backup",
            str(tmp_path / "x.tgz"),
            "--home",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert "pg_dump" in out.stderr


def test_an_import_waits_while_a_backup_links_the_dataset_and_the_archive_is_whole(
    tmp_path, monkeypatch
):
    """The backup holds the dataset's own lock while it links the files, so the archive
    has a manifest and the files it names, never half an import."""
    import datetime as dt
    import tarfile
    import threading

    from onevoice import backup as backup_module
    from onevoice.analytics.warehouse import Product, ProductMaster, Reference, SalesDataset

    home = tmp_path / "home"
    (home / "sales").mkdir(parents=True)
    sqlite3.connect(home / "onevoice.sqlite3").close()
    dataset = SalesDataset(home / "sales")
    reference = Reference(
        clinic_ids=frozenset({"CL-1"}),
        products=ProductMaster([Product(sku="SKU-1", product="P", pack_size=30, doses_per_day=1)]),
        now=dt.date(2025, 6, 30),
    )
    header = "clinic_id,date,sku,units,net_revenue,currency\n"
    (tmp_path / "jan.csv").write_text(header + "CL-1,2025-01-05,SKU-1,2,9.5,EUR\n")
    (tmp_path / "feb.csv").write_text(header + "CL-1,2025-02-05,SKU-1,3,9.5,EUR\n")
    dataset.import_file(tmp_path / "jan.csv", reference=reference)

    # While the backup links its first file, an import starts and must wait for it.
    done, seen_while_linking = [], []
    importing = threading.Thread(
        target=lambda: done.append(dataset.import_file(tmp_path / "feb.csv", reference=reference))
    )
    link = backup_module._snapshot

    def slow_link(path, to):
        if not importing.is_alive() and not done:
            importing.start()
            importing.join(1.0)
            seen_while_linking.append(bool(done))
        return link(path, to)

    monkeypatch.setattr(backup_module, "_snapshot", slow_link)
    backup_module.backup(home, tmp_path / "b.tar.gz")
    importing.join(60)

    assert seen_while_linking == [False]  # the import waited for the backup's lock
    assert done[0].rows_stored == 1
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        names = tar.getnames()
    assert sum(name.endswith(".parquet") for name in names) == 1  # January only, whole
    assert not list(home.glob(".backup-*"))


def _archive(path: Path, manifest: bytes, files: dict[str, bytes]) -> Path:
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as tar:
        for name, data in {"manifest.json": manifest, **files}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


DB_SHA = "0" * 64


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        (b"{not json", "manifest.json is not valid JSON"),
        (b"\xff\xfe", "manifest.json is not valid JSON"),
        (b"[]", "manifest.json is not a JSON object"),
        (b'{"format": 1}', "manifest.json has no 'files'"),
        (b'{"format": 1, "files": ["onevoice.sqlite3"]}', "'files' is not an object"),
        (b'{"format": 1, "files": {"onevoice.sqlite3": 7}}', "checksum of onevoice.sqlite3"),
        (b'{"format": 1, "files": {"onevoice.sqlite3": null}}', "checksum of onevoice.sqlite3"),
        (b'{"format": "1", "files": {}}', "format '1'"),
        (b'{"format": 2, "files": {}}', "format 2"),
        (b'{"format": 1, "files": {}}', "it lists no onevoice.sqlite3"),
        (b'{"format": 1, "files": {"onevoice.sqlite3": "%s"}}' % DB_SHA.encode(), "'x' is in"),
        (b'{"format": 1, "files": {"/etc/passwd": "%s"}}' % DB_SHA.encode(), "'/etc/passwd'"),
        (b'{"format": 1, "files": {"../x": "%s"}}' % DB_SHA.encode(), "'../x'"),
    ],
)
def test_restore_of_a_damaged_manifest_names_the_problem_and_writes_nothing(
    tmp_path, manifest, problem
):
    # Issue 17: a manifest that was not JSON, or lacked ``files``, was a traceback.
    archive = _archive(
        tmp_path / "damaged.tar.gz",
        manifest,
        {"data/onevoice.sqlite3": b"SQLite format 3\0", "data/x": b"unlisted"},
    )
    home = tmp_path / "new"
    out = _run("restore", str(archive), "--home", str(home))
    assert out.returncode == 1, out.stdout
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert problem in lines[0], lines[0]
    assert "nothing was restored" in lines[0]
    assert not home.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.tar.gz"]
