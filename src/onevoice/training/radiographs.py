"""Reading uploaded radiographs: PNG, JPEG and DICOM (through pydicom), no Django.

PNG and JPEG are recognised by their signature and shown as uploaded. A DICOM file is
decoded with pydicom, its rescale and display window applied (MONOCHROME1 inverted),
and rendered to an 8-bit greyscale PNG for the browser; the original file is kept.
Every refusal names the file and says what is wrong with it.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import numpy as np

MAX_BYTES = 40 * 1024 * 1024
MAX_SIDE = 8000

ERROR_EMPTY = "{name}: the file is empty."
ERROR_TOO_BIG = "{name}: {size:.1f} MB is over the {limit} MB limit."
ERROR_FORMAT = "{name}: not a PNG, JPEG or DICOM file (it starts with {head})."
ERROR_SIZE = "{name}: cannot read the image size; the file may be truncated."
ERROR_DIMENSIONS = "{name}: {width} × {height} pixels is not a usable image size."
ERROR_NO_PYDICOM = "{name}: reading DICOM needs pydicom, which is not installed."
ERROR_DICOM = "{name}: not a readable DICOM file ({reason})."
ERROR_DICOM_NO_PIXELS = "{name}: the DICOM file holds no image (no pixel data)."
ERROR_DICOM_DECODE = (
    "{name}: the DICOM pixel data cannot be decoded ({reason}); "
    "export the radiograph uncompressed or as PNG."
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class RadiographError(ValueError):
    """The file cannot be used as a radiograph; the message names it and says why."""


@dataclass(frozen=True)
class Radiograph:
    """What the app keeps of an upload: the image to show and what is known of it."""

    format: str  # png | jpeg | dicom
    display: bytes  # PNG or JPEG bytes for the browser
    display_ext: str  # "png" or "jpg"
    width: int
    height: int
    pixel_spacing_mm: float | None = None


def sniff(data: bytes) -> str | None:
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "dicom"
    return None


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the IHDR chunk that must follow the signature."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the first start-of-frame marker."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF:
            if i + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


def encode_png_gray(pixels: np.ndarray) -> bytes:
    """An 8-bit greyscale PNG of a 2-D uint8 array (zlib only, no imaging library)."""
    height, width = pixels.shape
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def _first_number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value[0]) if hasattr(value, "__len__") and len(value) else float(value)
    except (TypeError, ValueError):
        return None


def window_to_uint8(
    array: np.ndarray,
    *,
    slope: float = 1.0,
    intercept: float = 0.0,
    center: float | None = None,
    width: float | None = None,
    invert: bool = False,
) -> np.ndarray:
    """Rescale stored values, apply the display window (or the full range), to 0-255."""
    values = array.astype(np.float64) * slope + intercept
    if center is not None and width is not None and width > 1:
        low, high = center - width / 2, center + width / 2
    else:
        low, high = float(values.min()), float(values.max())
    span = high - low if high > low else 1.0
    scaled = np.clip((values - low) / span, 0.0, 1.0)
    if invert:
        scaled = 1.0 - scaled
    return np.round(scaled * 255).astype(np.uint8)


def dicom_to_png(name: str, data: bytes) -> Radiograph:
    try:
        import pydicom
        from pydicom.errors import InvalidDicomError
    except ImportError:  # pragma: no cover - pydicom is an install-time dependency
        raise RadiographError(ERROR_NO_PYDICOM.format(name=name)) from None
    try:
        ds = pydicom.dcmread(BytesIO(data))
    except (InvalidDicomError, EOFError, ValueError, OSError, struct.error) as exc:
        raise RadiographError(ERROR_DICOM.format(name=name, reason=exc)) from None
    if "PixelData" not in ds:
        raise RadiographError(ERROR_DICOM_NO_PIXELS.format(name=name))
    try:
        array = np.asarray(ds.pixel_array)
    except Exception as exc:  # pydicom raises several types for unsupported encodings
        reason = f"{getattr(ds.file_meta, 'TransferSyntaxUID', 'unknown syntax')}: {exc}"
        raise RadiographError(ERROR_DICOM_DECODE.format(name=name, reason=reason)) from None
    samples = int(getattr(ds, "SamplesPerPixel", 1) or 1)
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    if frames > 1:
        array = array[0]
    if samples > 1 and array.ndim == 3:
        array = array.mean(axis=-1)
    if array.ndim != 2:
        raise RadiographError(
            ERROR_DICOM_DECODE.format(name=name, reason=f"pixel array of shape {array.shape}")
        )
    height, width = array.shape
    pixels = window_to_uint8(
        array,
        slope=_first_number(getattr(ds, "RescaleSlope", None)) or 1.0,
        intercept=_first_number(getattr(ds, "RescaleIntercept", None)) or 0.0,
        center=_first_number(getattr(ds, "WindowCenter", None)),
        width=_first_number(getattr(ds, "WindowWidth", None)),
        invert=str(getattr(ds, "PhotometricInterpretation", "")) == "MONOCHROME1",
    )
    spacing = getattr(ds, "PixelSpacing", None) or getattr(ds, "ImagerPixelSpacing", None)
    return Radiograph(
        format="dicom",
        display=encode_png_gray(pixels),
        display_ext="png",
        width=int(width),
        height=int(height),
        pixel_spacing_mm=_first_number(spacing),
    )


def read_radiograph(name: str, data: bytes) -> Radiograph:
    """Recognise and check an upload; raise ``RadiographError`` saying what is wrong."""
    if not data:
        raise RadiographError(ERROR_EMPTY.format(name=name))
    if len(data) > MAX_BYTES:
        raise RadiographError(
            ERROR_TOO_BIG.format(name=name, size=len(data) / 2**20, limit=MAX_BYTES // 2**20)
        )
    kind = sniff(data)
    if kind is None:
        raise RadiographError(ERROR_FORMAT.format(name=name, head=repr(data[:8])))
    if kind == "dicom":
        result = dicom_to_png(name, data)
    else:
        size = png_size(data) if kind == "png" else jpeg_size(data)
        if size is None:
            raise RadiographError(ERROR_SIZE.format(name=name))
        result = Radiograph(
            format=kind,
            display=data,
            display_ext="png" if kind == "png" else "jpg",
            width=size[0],
            height=size[1],
        )
    if not (0 < result.width <= MAX_SIDE and 0 < result.height <= MAX_SIDE):
        raise RadiographError(
            ERROR_DIMENSIONS.format(name=name, width=result.width, height=result.height)
        )
    return result
