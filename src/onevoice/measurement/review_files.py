"""The review as files: a self-contained HTML page (inline CSS, charts as inline SVG), a
PDF (fpdf2, charts as PNG; no browser needed) and its tables as an Excel workbook.

The files carry no time but the data's own: the same data give byte-identical HTML and
workbooks (the workbook's zip entries and document properties are dated to the review's
day). Charts become SVG and PNG offline with vl-convert.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from onevoice.exports import safe_row
from onevoice.measurement.charts import Chart
from onevoice.measurement.review import ReviewDocument

FORMATS = ("html", "pdf", "xlsx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
# A Unicode font for the PDF (the core PDF fonts have no ≈, →, χ² or ×).
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)


def chart_svg(chart: Chart) -> str:
    import vl_convert as vlc

    svg: str = vlc.vegalite_to_svg(chart.spec)
    return svg


def chart_png(chart: Chart, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    png: bytes = vlc.vegalite_to_png(chart.spec, scale=scale)
    return png


def review_html(doc: ReviewDocument) -> bytes:
    """The review as one HTML file that needs nothing else to open."""
    for chart in doc.charts:
        if not chart.empty and not chart.svg:
            chart.svg = chart_svg(chart)
    return render_to_string("measurement/review_file.html", {"doc": doc}).encode("utf-8")


def _stamp(doc: ReviewDocument) -> dt.datetime:
    return dt.datetime.combine(doc.as_of, dt.time(12, 0), tzinfo=dt.UTC)


def _fixed_zip(data: bytes, day: dt.date) -> bytes:
    """Rewrite a workbook with every zip entry, and its "modified" property, dated
    ``day``: openpyxl stamps both with the time of saving."""
    out = io.BytesIO()
    modified = f"{day.isoformat()}T12:00:00Z".encode()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    lambda m: m.group(1) + modified + m.group(2),
                    content,
                )
            fixed = zipfile.ZipInfo(
                info.filename, date_time=(day.year, day.month, day.day, 12, 0, 0)
            )
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, content)
    return out.getvalue()


def review_xlsx(doc: ReviewDocument) -> bytes:
    """Every table of the review, one worksheet each, after a summary sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    summary.append(safe_row([doc.title]))
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(safe_row([doc.subtitle]))
    summary.append([f"Data as of {doc.as_of.isoformat()}"])
    for section in doc.sections:
        if not section.figures:
            continue
        summary.append([])
        summary.append(safe_row([section.title]))
        summary.cell(row=summary.max_row, column=1).font = Font(bold=True)
        for label, value in section.figures:
            summary.append(safe_row([label, value]))
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 60
    for table in doc.tables:
        ws = wb.create_sheet(table.name[:31])
        ws.append(safe_row([table.title]))
        ws["A1"].font = Font(bold=True)
        ws.append(safe_row(table.columns))
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            # openpyxl writes text starting with "=" as a formula: a rep's objection
            # "=HYPERLINK(…)" would become a live link in the review.
            ws.append(safe_row(row))
        if table.note:
            ws.append([])
            ws.append(safe_row([table.note]))
        for i, name in enumerate(table.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(12, min(50, len(str(name)) + 4))
    stamp = _stamp(doc).replace(tzinfo=None)
    wb.properties.creator = "OneVoice"
    wb.properties.lastModifiedBy = "OneVoice"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_zip(buffer.getvalue(), doc.as_of)


@cache
def _unicode_font() -> Path | None:
    for path in FONT_CANDIDATES:
        if path.exists():
            return path
    try:  # matplotlib ships DejaVu Sans when it is installed
        import matplotlib

        bundled = Path(matplotlib.__file__).parent / "mpl-data/fonts/ttf/DejaVuSans.ttf"
        return bundled if bundled.exists() else None
    except ImportError:
        return None


_LATIN = str.maketrans(
    {
        "≈": "~",
        "→": "->",
        "×": "x",
        "χ": "chi",
        "²": "2",
        "—": "-",
        "–": "-",
        "…": "...",
        "’": "'",
        "“": '"',
        "”": '"',
        "≥": ">=",
        "≤": "<=",
        "±": "+/-",
    }
)


def review_pdf(doc: ReviewDocument) -> bytes:
    """The review as a PDF: headline figures, tables and charts, section by section."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    pdf.set_creation_date(_stamp(doc))
    pdf.set_title(doc.title)
    pdf.set_author("OneVoice")
    pdf.set_auto_page_break(auto=True, margin=15)
    font = _unicode_font()
    if font is not None:
        pdf.add_font("Body", "", str(font))
        bold = font.with_name("DejaVuSans-Bold.ttf")
        pdf.add_font("Body", "B", str(bold if bold.exists() else font))
        family = "Body"

        def text(value: Any) -> str:
            return "" if value is None else str(value)
    else:
        family = "Helvetica"

        def text(value: Any) -> str:
            raw = "" if value is None else str(value)
            return raw.translate(_LATIN).encode("latin-1", "replace").decode("latin-1")

    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(width, 8, text(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    pdf.multi_cell(width, 5, text(doc.subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        width, 5, text(f"Data as of {doc.as_of.isoformat()}."), new_x="LMARGIN", new_y="NEXT"
    )
    for section in doc.sections:
        pdf.ln(4)
        pdf.set_font(family, "B", 13)
        pdf.multi_cell(width, 7, text(section.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)
        for label, value in section.figures:
            pdf.set_font(family, "B", 9)
            pdf.multi_cell(width, 5, text(label), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, "", 9)
            pdf.multi_cell(width, 5, text(value), new_x="LMARGIN", new_y="NEXT")
        for paragraph in section.paragraphs:
            pdf.multi_cell(width, 5, text(paragraph), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        for table in section.tables:
            pdf.ln(2)
            pdf.set_font(family, "B", 10)
            pdf.multi_cell(width, 5, text(table.title), new_x="LMARGIN", new_y="NEXT")
            if not table.rows:
                pdf.set_font(family, "", 9)
                pdf.multi_cell(width, 5, "None recorded.", new_x="LMARGIN", new_y="NEXT")
                continue
            pdf.set_font(family, "", 7 if len(table.columns) > 6 else 8)
            with pdf.table(
                headings_style=FontFace(emphasis="BOLD"), line_height=4, width=width
            ) as grid:
                head = grid.row()
                for name in table.columns:
                    head.cell(text(name))
                for row in table.rows:
                    line = grid.row()
                    for value in row:
                        line.cell(text(_pdf_cell(value)))
            if table.note:
                pdf.set_font(family, "", 8)
                pdf.multi_cell(width, 4, text(table.note), new_x="LMARGIN", new_y="NEXT")
        for chart in section.charts:
            if chart.empty:
                continue
            pdf.ln(2)
            png = chart_png(chart)
            pdf.image(io.BytesIO(png), w=min(width, 170))
    return bytes(pdf.output())


def _pdf_cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    return str(value)


def review_files(doc: ReviewDocument) -> dict[str, bytes]:
    """The review in every format, by file name."""
    return {
        f"{doc.file_stem}.html": review_html(doc),
        f"{doc.file_stem}.pdf": review_pdf(doc),
        f"{doc.file_stem}.xlsx": review_xlsx(doc),
    }


def review_zip(doc: ReviewDocument) -> bytes:
    out = io.BytesIO()
    day = doc.as_of
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in review_files(doc).items():
            info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def review_write(doc: ReviewDocument, folder: Path) -> list[Path]:
    """Write the three files into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in review_files(doc).items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths
