"""Characters XML 1.0 forbids (C0 controls but tab and line breaks, U+FFFE, U+FFFF, lone
surrogates) would make an Excel file unreadable: every form refuses them with a message by
the field, and exports replace any already stored."""
import csv
import io

import pytest
from sqlalchemy import select, update

from eventapp.extensions import db
from eventapp.models import Event, Registration
from eventapp.util.text import xml_safe
from eventapp.web.forms import unsaveable_character
from tests.factories import make_event, make_lead_user, make_user, sign_up
from tests.helpers import login, post_form, signup_data, text_of, xlsx_sheet

REPLACED = "\ufffd"


def test_exactly_what_xml_forbids_is_replaced_and_refused():
    # A lone surrogate cannot arrive through a form (UTF-8 decoding replaces it) nor be
    # stored, but JSON or a script could hand one over.
    forbidden = "\x00\x08\x0b\x0c\x1f\ud800\udfff\ufffe\uffff"
    allowed = "\t\n\r Åsa\ufffd\ue000\U0001f600"
    assert xml_safe(forbidden + allowed) == REPLACED * len(forbidden) + allowed
    assert [unsaveable_character(c) for c in forbidden] == list(forbidden)
    assert unsaveable_character("\x7f") == "\x7f"  # DEL: XML allows it, nobody types it
    assert unsaveable_character(allowed) is None


@pytest.mark.parametrize("char", ["\uffff", "\ufffe", "\x01", "\x1b"])
def test_a_name_with_a_character_xml_forbids_gets_a_field_error_and_keeps_the_rest(
        app, client, char):
    with app.app_context():
        event = make_event()
        response = client.post(f"/events/{event.slug}/signup",
                               data=signup_data(client, event, name=f"Nils{char}Nilsson"))
        assert db.session.scalar(select(db.func.count(Registration.id))) == 0
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="name-error"' in html
    assert "tecken som inte kan sparas" in text_of(html.split('id="name-error"')[1][:400])
    assert 'value="deltagare1@example.org"' in html and 'value="Lycksele kommun"' in html
    assert "Gallring av e-post" in html and "Vegetarisk" in html


def test_the_message_is_in_english_on_the_english_form(app, client):
    with app.app_context():
        event = make_event()
        client.get("/lang/en")
        response = client.post(f"/events/{event.slug}/signup",
                               data=signup_data(client, event, organisation="Malå\uffff"))
    assert response.status_code == 400
    assert "character that cannot be saved" in text_of(response)


def test_organiser_forms_refuse_them_too(app):
    client = app.test_client()
    with app.app_context():
        make_user()
    login(client, "organisator@example.org")
    response = post_form(client, "/organiser/events/new", {
        "title": "Uppstart\ufffe AI", "venue": "Folkets hus, Umeå",
        "starts_at": "2031-06-15T09:00", "ends_at": "2031-06-15T16:00",
        "contact_name": "Anna Lindqvist", "contact_email": "anna@example.org",
        "retention_days": "90", "sensitive_retention_days": "7"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "tecken som inte kan sparas (U+FFFE)" in text_of(html.split('id="title-error"')[1][:400])
    assert 'value="Folkets hus, Umeå"' in html and 'value="Anna Lindqvist"' in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Event.id))) == 0


@pytest.fixture
def stored_badly(app):
    """A registration whose name was stored (before the forms refused it) with U+FFFF, and
    whose organisation holds a control character."""
    with app.app_context():
        event = make_event()
        session = event.blocks[0].sessions[0]
        make_user()
        make_lead_user(session, "kaj@example.org", "Kaj Beckman")
        registration = sign_up(event, 1)
        db.session.execute(update(Registration).where(Registration.id == registration.id)
                           .values(name="Nils\uffffNilsson", organisation="Malå\x01kommun"))
        db.session.commit()
        return {"event": event.id, "session": session.id}


def xlsx_rows(response):
    assert response.status_code == 200
    _heading, table = xlsx_sheet(response.data)  # the table under the lines naming the list
    return [tuple(row) for row in table]


def test_the_organisers_excel_file_opens_with_the_character_replaced(app, stored_badly):
    client = app.test_client()
    login(client, "organisator@example.org")
    rows = xlsx_rows(client.get(f"/organiser/events/{stored_badly['event']}/export.xlsx"))
    assert rows[1][0] == f"Nils{REPLACED}Nilsson"
    assert rows[1][2] == f"Malå{REPLACED}kommun"


def test_the_leads_excel_file_opens_with_the_character_replaced(app, stored_badly):
    client = app.test_client()
    login(client, "kaj@example.org")
    rows = xlsx_rows(client.get(f"/lead/sessions/{stored_badly['session']}/export.xlsx"))
    assert rows[1][:2] == (f"Nils{REPLACED}Nilsson", f"Malå{REPLACED}kommun")


def test_csv_and_pdf_exports_of_such_a_name_work_too(app, stored_badly):
    client = app.test_client()
    login(client, "organisator@example.org")
    raw = client.get(f"/organiser/events/{stored_badly['event']}/export.csv").data
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == f"Nils{REPLACED}Nilsson"
    lead = app.test_client()
    login(lead, "kaj@example.org")
    pdf = lead.get(f"/lead/sessions/{stored_badly['session']}/sheet.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
