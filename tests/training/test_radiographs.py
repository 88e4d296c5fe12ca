"""Uploaded radiographs: PNG and JPEG recognised, DICOM decoded with pydicom."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import numpy as np
import pytest

from onevoice.training import radiographs as r


def _jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def dicom_bytes(
    pixels: np.ndarray,
    *,
    photometric: str = "MONOCHROME2",
    window: tuple[float, float] | None = None,
) -> bytes:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"  # CR image storage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "CR"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.PixelSpacing = [0.15, 0.15]
    if window:
        ds.WindowCenter, ds.WindowWidth = window
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    out = BytesIO()
    try:
        ds.save_as(out, enforce_file_format=True)  # pydicom 3
    except TypeError:
        ds.is_little_endian, ds.is_implicit_VR = True, False  # pydicom 2.4
        ds.save_as(out, write_like_original=False)
    return out.getvalue()


def _png_pixels(data: bytes) -> np.ndarray:
    width, height = r.png_size(data)
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows = [raw[i * (width + 1) + 1 : (i + 1) * (width + 1)] for i in range(height)]
    return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(height, width)


def test_png_is_kept_with_its_size():
    png = r.encode_png_gray(np.zeros((30, 40), dtype=np.uint8))
    result = r.read_radiograph("a.png", png)
    assert (result.format, result.width, result.height, result.display) == ("png", 40, 30, png)


def test_jpeg_size_is_read_from_its_frame_header():
    result = r.read_radiograph("b.jpg", _jpeg(1024, 768))
    assert (result.format, result.width, result.height, result.display_ext) == (
        "jpeg",
        1024,
        768,
        "jpg",
    )


def test_dicom_is_windowed_to_a_png_with_its_pixel_spacing():
    ramp = np.tile(np.arange(0, 4000, 100, dtype=np.uint16), (20, 1))  # 20 x 40
    result = r.read_radiograph("chest.dcm", dicom_bytes(ramp, window=(2000, 2000)))
    assert (result.format, result.width, result.height) == ("dicom", 40, 20)
    assert result.pixel_spacing_mm == pytest.approx(0.15)
    pixels = _png_pixels(result.display)
    assert pixels[0, 0] == 0
    assert pixels[0, -1] == 255
    assert pixels[0, 20] == 128  # the centre of the window is mid-grey


def test_monochrome1_dicom_is_inverted():
    ramp = np.tile(np.arange(0, 4000, 100, dtype=np.uint16), (5, 1))
    pixels = _png_pixels(
        r.read_radiograph("m1.dcm", dicom_bytes(ramp, photometric="MONOCHROME1")).display
    )
    assert pixels[0, 0] == 255
    assert pixels[0, -1] == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.png", b"", "empty.png: the file is empty."),
        ("notes.txt", b"hello world, not an image", "notes.txt: not a PNG, JPEG or DICOM file"),
        ("cut.png", r.PNG_SIGNATURE + b"\x00\x00", "cut.png: cannot read the image size"),
        ("bad.dcm", b"\x00" * 128 + b"DICM" + b"\x02\x00", "bad.dcm: "),
    ],
)
def test_unusable_files_are_refused_naming_the_file(name, data, message):
    with pytest.raises(r.RadiographError, match=message.replace(".", r"\.")):
        r.read_radiograph(name, data)


def test_huge_files_are_refused(monkeypatch):
    monkeypatch.setattr(r, "MAX_BYTES", 10)
    with pytest.raises(r.RadiographError, match="over the 0 MB limit"):
        r.read_radiograph("big.png", r.PNG_SIGNATURE * 3)
