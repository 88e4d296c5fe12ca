"""No secret in the repository: not in any file about to be committed, not in any
version of a file in the history, and the data directory (secret key, database) ignored."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git checkout"
)

# Written so that none of them matches its own source line.
PATTERNS: dict[str, re.Pattern[bytes]] = {
    "private key": re.compile(rb"-{5}BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-{5}"),
    "AWS access key": re.compile(rb"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(rb"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
    "Slack token": re.compile(rb"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "OneVoice API key": re.compile(rb"\bov_[A-Za-z0-9_-]{43}\b"),
    "Django secret key": re.compile(
        rb"""SECRET_KEY\s*=\s*(?:["'][^"'\s]{20,}["']|os\.environ\.get\([^)]*,\s*["'][^"']{20,})"""
    ),
    "insecure Django key": re.compile(rb"django-insecure-[^\s\"']{20,}"),
    "password in a database URL": re.compile(rb"\b(?:postgres(?:ql)?|mysql)://[^\s:/@]+:[^\s@/]+@"),
}
SECRET_FILE_NAMES = re.compile(
    r"(^|/)(secret_key|\.env|id_rsa|id_ed25519|[^/]*\.(pem|key|p12|pfx))$"
)


def _git(*args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True).stdout


def findings(content: bytes) -> list[str]:
    """The kinds of secret ``content`` holds."""
    if b"\x00" in content[:8000]:
        return []  # binary (images, Parquet): not where a key is pasted
    return [kind for kind, pattern in PATTERNS.items() if pattern.search(content)]


def test_the_scanner_recognises_each_kind_of_secret():
    samples = {
        "private key": b"-----" + b"BEGIN RSA PRIVATE KEY" + b"-----\nMIIE",
        "AWS access key": b"key = " + b"AKIA" + b"ABCDEFGHIJKLMNOP",
        "GitHub token": b"ghp" + b"_" + b"a" * 36,
        "Slack token": b"xox" + b"b-1234567890-abcdef",
        "OneVoice API key": b"Authorization: Bearer ov" + b"_" + b"A" * 43,
        "Django secret key": b"SECRET" + b"_KEY = 'k8#2m" + b"x" * 40 + b"'",
        "insecure Django key": b"django-" + b"insecure-" + b"y" * 40,
        "password in a database URL": b"postgresql" + b"://app:hunter2@db/onevoice",
    }
    assert set(samples) == set(PATTERNS)
    for kind, sample in samples.items():
        assert findings(sample) == [kind], kind
    # What the repository legitimately holds is not flagged.
    assert findings(b'SECRET_KEY = os.environ.get("ONEVOICE_SECRET_KEY") or secret_key(home)') == []
    assert findings(b"DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test") == []


def test_no_file_about_to_be_committed_holds_a_secret():
    names = _git("ls-files", "--cached", "--others", "--exclude-standard", "-z").split(b"\0")
    found = []
    for name in filter(None, names):
        path = ROOT / name.decode()
        if path.is_file():
            found += [(name.decode(), kind) for kind in findings(path.read_bytes())]
    assert not found, found


def test_no_version_in_the_history_held_a_secret():
    objects = _git("rev-list", "--objects", "--all").decode().splitlines()
    blobs = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in objects if " " in line}
    found = []
    batch = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=ROOT,
        input="\n".join(blobs).encode() + b"\n",
        capture_output=True,
        check=True,
    ).stdout
    pos = 0
    while pos < len(batch):
        header_end = batch.index(b"\n", pos)
        sha, kind, size = batch[pos:header_end].decode().split()
        content = batch[header_end + 1 : header_end + 1 + int(size)]
        pos = header_end + 1 + int(size) + 1
        if kind == "blob":
            found += [(blobs[sha], k) for k in findings(content)]
    assert not found, found


def test_no_secret_file_is_tracked_and_the_data_directory_is_ignored():
    tracked = _git("ls-files").decode().splitlines()
    assert not [n for n in tracked if SECRET_FILE_NAMES.search(n)]
    for path in (
        "onevoice-data/secret_key",
        "onevoice-data/onevoice.sqlite3",
        "onevoice-data/media/x.pdf",
    ):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        assert ignored.returncode == 0, f"{path} would be committed"
