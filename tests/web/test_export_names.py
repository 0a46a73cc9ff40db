"""Exports are named after what they hold, the session (or event) and its day, and their
sheets say the same in their first rows: never "deltagarlista-7.xlsx"."""
from datetime import datetime
from urllib.parse import unquote

import pytest

from eventapp.extensions import db
from eventapp.models import Event
from eventapp.util.time import utc_to_local
from tests.factories import make_event, make_lead_user, make_user, sign_up
from tests.helpers import login, xlsx_sheet

# 15 June 2027 (a Tuesday), the block 13:00–15:00 in Stockholm (summer time).
BLOCK_START = datetime(2027, 6, 15, 11, 0)


@pytest.fixture
def archive(app):
    """The e-archive session of a kickoff, led by Kaj; one participant seated, one waiting."""
    with app.app_context():
        make_user()
        event = make_event(capacities=(1, 5), title="Uppstart Digitala Västerbotten")
        block = event.blocks[0]
        block.starts_at, block.ends_at = BLOCK_START, BLOCK_START.replace(hour=13)
        session = block.sessions[0]
        session.title, session.room = "E-arkiv: hantering & bevarande", "Sal B"
        db.session.commit()
        make_lead_user(session, "kaj@example.org", "Kaj Beckman")
        sign_up(event, 1)
        sign_up(event, 2)
        ids = {"event": event.id, "session": session.id, "event_title": event.title}
    return ids


def disposition(response):
    """(disposition, ASCII file name, UTF-8 file name) of a download."""
    header = response.headers["Content-Disposition"]
    kind, ascii_part, utf8_part = (p.strip() for p in header.split(";"))
    assert ascii_part.startswith('filename="') and utf8_part.startswith("filename*=UTF-8''")
    return kind, ascii_part[len('filename="'):-1], unquote(utf8_part[len("filename*=UTF-8''"):])


def lead_client(app):
    client = app.test_client()
    login(client, "kaj@example.org")
    return client


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_leads_export_is_named_after_the_session_and_its_day(app, archive, fmt):
    response = lead_client(app).get(f"/lead/sessions/{archive['session']}/export.{fmt}")
    assert disposition(response) == (
        "attachment", f"deltagarlista-e-arkiv-hantering-bevarande-2027-06-15.{fmt}",
        f"Deltagarlista E-arkiv hantering & bevarande 2027-06-15.{fmt}")


def test_the_leads_excel_sheet_says_which_session_and_day_it_is(app, archive):
    heading, table = xlsx_sheet(lead_client(app).get(
        f"/lead/sessions/{archive['session']}/export.xlsx").data)
    assert heading == [
        "Deltagarlista: E-arkiv: hantering & bevarande",
        f"{archive['event_title']} · tisdag 15 juni 2027, 13:00–15:00 · Lokal: Sal B"]
    assert table[0][0] == "Namn" and {row[0] for row in table[1:]} == {"Deltagare 1", "Deltagare 2"}


def test_the_attendance_sheet_pdf_is_named_after_the_session_and_its_day(app, archive):
    response = lead_client(app).get(f"/lead/sessions/{archive['session']}/sheet.pdf")
    assert response.data.startswith(b"%PDF")
    assert disposition(response) == (
        "inline", "narvarolista-e-arkiv-hantering-bevarande-2027-06-15.pdf",
        "Närvarolista E-arkiv hantering & bevarande 2027-06-15.pdf")


def test_the_printable_sheet_heading_names_the_session_and_its_weekday(app, archive):
    page = lead_client(app).get(f"/lead/sessions/{archive['session']}/sheet").get_data(as_text=True)
    assert "Närvarolista: <span>E-arkiv: hantering &amp; bevarande</span>" in page
    assert "tisdag 15 juni 2027, 13:00–15:00" in page


def organiser_client(app):
    client = app.test_client()
    login(client, "organisator@example.org")
    return client


def test_the_organisers_export_is_named_after_the_event_and_its_day(app, archive):
    response = organiser_client(app).get(f"/organiser/events/{archive['event']}/export.xlsx")
    _kind, ascii_name, full_name = disposition(response)
    with app.app_context():
        day = db.session.get(Event, archive["event"]).starts_at
    iso = utc_to_local(day).date().isoformat()
    number = archive["event_title"].rsplit(" ", 1)[1]
    assert ascii_name == f"anmalningar-uppstart-digitala-vasterbotten-{number}-{iso}.xlsx"
    assert full_name == f"Anmälningar {archive['event_title']} {iso}.xlsx"
    heading, _table = xlsx_sheet(response.data)
    assert heading[0] == f"Anmälningar: {archive['event_title']}"


def test_the_organisers_export_of_one_sessions_waiting_list_holds_only_that(app, archive):
    response = organiser_client(app).get(
        f"/organiser/events/{archive['event']}/export.xlsx?session={archive['session']}&place=waiting")
    assert disposition(response)[1] == "anmalningar-e-arkiv-hantering-bevarande-2027-06-15.xlsx"
    heading, table = xlsx_sheet(response.data)
    assert heading == [
        "Anmälningar: E-arkiv: hantering & bevarande",
        f"{archive['event_title']} · tisdag 15 juni 2027, 13:00–15:00 · Lokal: Sal B",
        "Urval: på väntelistan"]
    assert [(row[0], row[5], row[6]) for row in table[1:]] == [
        ("Deltagare 2", "E-arkiv: hantering & bevarande", "Väntelista")]
