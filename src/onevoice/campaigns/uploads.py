"""What may be uploaded as an asset: bounded size, known types, never HTML."""

from __future__ import annotations

from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
# Extension → content type we will serve it as; the first bytes must match too.
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    ".mp4": ("video/mp4", (b"",)),
}
ERROR_TOO_BIG = "{name}: {size:,} bytes is over the {limit:,}-byte limit for an upload."
ERROR_TYPE = "{name}: only {allowed} files can be uploaded."
ERROR_CONTENT = "{name}: the file's content is not a {ext} file."


class UploadRefused(ValueError):
    """An upload that was not stored; the message names the file and the reason."""


def check_upload(file: UploadedFile) -> str:
    """Return the content type to serve ``file`` as, or raise ``UploadRefused``."""
    name = PurePath(file.name or "upload").name
    size = file.size or 0
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused(ERROR_TOO_BIG.format(name=name, size=size, limit=MAX_UPLOAD_BYTES))
    ext = PurePath(name).suffix.lower()
    if ext not in ALLOWED:
        raise UploadRefused(ERROR_TYPE.format(name=name, allowed=", ".join(sorted(ALLOWED))))
    content_type, magics = ALLOWED[ext]
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise UploadRefused(ERROR_CONTENT.format(name=name, ext=ext))
    if ext == ".mp4" and head[4:8] != b"ftyp":
        raise UploadRefused(ERROR_CONTENT.format(name=name, ext=ext))
    return content_type
