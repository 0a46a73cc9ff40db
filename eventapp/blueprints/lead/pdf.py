"""The attendance sheet as a PDF, for when a browser's print is not at hand."""
import os

from flask_babel import gettext as _

from ...web.exports import session_heading

# A Unicode font if the machine has one (Debian: fonts-dejavu-core); otherwise the PDF's own
# Helvetica, which covers Swedish letters but not every name, so others become "?".
FONT_PATHS = (
    os.environ.get("PDF_FONT", ""),
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


def _setup_font(pdf):
    for path in FONT_PATHS:
        if path and os.path.exists(path):
            pdf.add_font("Body", "", path)
            bold = path.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
            pdf.add_font("Body", "B", bold if os.path.exists(bold) else path)
            return "Body", False
    return "helvetica", True


def attendance_pdf(session, registrations):
    # Imported here: fpdf2 (with fontTools and Pillow) costs every web worker ~17 MB.
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    family, latin1 = _setup_font(pdf)

    def text(value):
        value = str(value or "")
        return value.encode("latin-1", "replace").decode("latin-1") if latin1 else value

    title, details = session_heading(_("Attendance sheet"), session)
    pdf.set_title(text(title))
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(0, 8, text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    pdf.multi_cell(0, 5, text(details), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (10, 62, 62, 46)
    pdf.set_font(family, "B", 10)
    for width, label in zip(widths, ("#", _("Name"), _("Organisation"), _("Signature"))):
        pdf.cell(width, 8, text(label), border=1)
    pdf.ln()
    pdf.set_font(family, "", 10)
    for n, registration in enumerate(registrations, start=1):
        pdf.cell(widths[0], 9, str(n), border=1)
        pdf.cell(widths[1], 9, text(registration.name)[:40], border=1)
        pdf.cell(widths[2], 9, text(registration.organisation)[:40], border=1)
        pdf.cell(widths[3], 9, "", border=1)
        pdf.ln()
    for _extra in range(3):  # blank rows for walk-ins
        for width in widths:
            pdf.cell(width, 9, "", border=1)
        pdf.ln()
    return bytes(pdf.output())
