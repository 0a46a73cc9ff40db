"""CSV, XLSX and PDF downloads of attendee lists: safe to open in Excel, named after what
they hold (the session or event and its day), with a heading that says the same."""
import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from flask_babel import format_date, format_time, gettext as _

from ..util.text import ascii_slug, xml_safe
from ..util.time import utc_to_local

# A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters no file name may hold on Windows (and "/" nowhere), and control characters.
_NOT_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')


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
    """UTF-8 with BOM and semicolons, which Swedish Excel opens with å, ä, ö intact. Only
    the table: a program reading the file finds the header on the first line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header, rows, title="Deltagare", heading=()):
    """`heading`: lines above the table (which list, which session, which day); the table
    starts after a blank row, its header frozen in view."""
    # Imported here: openpyxl costs every web worker ~9 MB, and few requests export.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _NOT_IN_FILE_NAMES.sub(" ", xml_safe(title)).replace("[", "(").replace("]", ")")[:31]
    for number, line in enumerate(heading):
        sheet.append([neutralise(line)])
        sheet.cell(row=number + 1, column=1).font = Font(bold=True, size=14 if number == 0 else 11)
    if heading:
        sheet.append([])
    sheet.append([neutralise(h) for h in header])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    for index, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[index - 1] or "")) for r in rows[:200]]) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 60)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class FileName:
    """A download's name: what it is ("Deltagarlista"), of what (a session's title) and its
    day. Browsers get an ASCII name and, per RFC 6266, the real one in UTF-8."""

    kind: str
    title: str
    day: date

    def ascii(self, ext):
        parts = (ascii_slug(self.kind), ascii_slug(self.title), self.day.isoformat())
        return "-".join(p for p in parts if p) + f".{ext}"

    def full(self, ext):
        name = " ".join(p for p in (self.kind, self.title, self.day.isoformat()) if p)
        return " ".join(_NOT_IN_FILE_NAMES.sub(" ", xml_safe(name)).split()) + f".{ext}"

    def content_disposition(self, ext, disposition="attachment"):
        return (f'{disposition}; filename="{self.ascii(ext)}"; '
                f"filename*=UTF-8''{quote(self.full(ext), safe='')}")


def local_day(value):
    return utc_to_local(value).date()


def when(starts_at, ends_at):
    """"måndag 15 juni 2027, 13:00–15:00" in the reader's language."""
    return (f"{format_date(starts_at, 'full')}, {format_time(starts_at, 'HH:mm')}–"
            f"{format_time(ends_at, 'HH:mm')}")


def session_heading(kind, session):
    """The lines above a session's list: which list of which session, and when and where."""
    block, event = session.block, session.block.event
    where = _("Room: %(room)s", room=session.room) if session.room else ""
    details = " · ".join(p for p in (event.title, when(block.starts_at, block.ends_at), where) if p)
    return [f"{kind}: {session.title}", details]


def session_file_name(kind, session):
    return FileName(kind, session.title, local_day(session.block.starts_at))


def download(header, rows, fmt, name, sheet_title, heading=()):
    """A CSV or XLSX attachment named `name` (a FileName); the access rule of the page that
    sends it keeps it out of caches."""
    from flask import Response

    if fmt == "csv":
        # content_type, not mimetype: Flask would add a second "; charset=utf-8" to text/*.
        body, content_type = to_csv(header, rows), "text/csv; charset=utf-8"
    else:
        body = to_xlsx(header, rows, title=sheet_title, heading=heading)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, content_type=content_type, headers={
        "Content-Disposition": name.content_disposition(fmt)})
