"""CSV and XLSX exports of attendee lists, safe to open in Excel."""
import csv
import io

from ..util.text import xml_safe

# A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that cannot run as a formula (a leading apostrophe, as OWASP advises) and that
    an Excel file can hold: the forms refuse characters XML forbids, but text stored before
    they did may still have one, and a single one would make the whole file unreadable."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    value = xml_safe(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(header, rows):
    """UTF-8 with BOM and semicolons, which Swedish Excel opens with å, ä, ö intact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header, rows, title="Deltagare"):
    # Imported here: openpyxl costs every web worker ~9 MB, and few requests export.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = xml_safe(title)[:31]
    sheet.append([neutralise(h) for h in header])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    for index, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[index - 1] or "")) for r in rows[:200]]) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 60)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(header, rows, fmt, filename, sheet_title):
    """A CSV or XLSX attachment (the access rule of the page that sends it keeps it out of caches)."""
    from flask import Response

    if fmt == "csv":
        # content_type, not mimetype: Flask would add a second "; charset=utf-8" to text/*.
        body, content_type = to_csv(header, rows), "text/csv; charset=utf-8"
    else:
        body = to_xlsx(header, rows, title=sheet_title)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}.{fmt}"'})
