"""A session lead prepares and runs their dialogue session."""
import csv
import io

import pytest
from sqlalchemy import event as sa_event, select

from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import ActivityEntry, OutboxMessage, Registration, SessionChoice
from eventapp.services import booking
from eventapp.util.time import utcnow
from tests.factories import details, make_event, make_lead_user, sign_up
from tests.helpers import login, parts, post_form, text_of, xlsx_sheet


@pytest.fixture
def led(app):
    """An event whose first session (capacity 3) is led by Kaj; four sign-ups, one waiting."""
    with app.app_context():
        event = make_event(capacities=(3, 5))
        session = event.blocks[0].sessions[0]
        make_lead_user(session, "kaj@example.org", "Kaj Beckman")
        people = [("Örjan Öberg", "Åsele kommun", "Gallring"), ("Anna Ek", "Umeå kommun", "E-arkiv"),
                  ("Bo Berg", "Umeå kommun", ""), ("Cecilia Dahl", "Malå kommun", "Bevarande")]
        for n, (name, org, topic) in enumerate(people, start=1):
            sign_up(event, n, name=name, organisation=org, discussion_topic=topic,
                    dietary_needs="Vegan" if n == 1 else "")
        ids = {"session": session.id, "other": event.blocks[0].sessions[1].id, "event": event.id}
    client = app.test_client()
    login(client, "kaj@example.org")
    return ids, client


def test_the_attendee_list_shows_confirmed_then_the_waiting_list_in_order(app, led):
    ids, client = led
    page = text_of(client.get(f"/lead/sessions/{ids['session']}"))
    assert "3 har plats" in page and "1 på väntelistan" in page
    confirmed, waiting = page.split("Väntelista", 1)[0], page.split("Väntelista", 1)[1]
    assert "Örjan Öberg" in confirmed and "Anna Ek" in confirmed and "Bo Berg" in confirmed
    assert "Cecilia Dahl" in waiting and "Cecilia Dahl" not in confirmed
    assert "Gallring" in page and "Vegan" in page
    filtered = text_of(client.get(f"/lead/sessions/{ids['session']}?organisation=Umeå kommun"))
    assert "Anna Ek" in filtered and "Örjan Öberg" not in filtered.split("Organisationer som deltar")[0]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(ActivityEntry.id)).where(
            ActivityEntry.action == "attendees.viewed")) == 2


def test_exports_hold_exactly_what_the_screen_shows(app, led):
    ids, client = led
    url = f"/lead/sessions/{ids['session']}/export"
    raw = client.get(f"{url}.csv?sort=organisation").data
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["Namn", "Organisation"]
    _heading, xlsx = xlsx_sheet(client.get(f"{url}.xlsx?sort=organisation").data)
    assert xlsx[0] == header and xlsx[1:] == body
    with app.app_context():
        stored = {r.name: r for r in db.session.scalars(select(Registration))}
        for row in body:
            registration = stored[row[0]]
            assert row[1] == registration.organisation
            assert row[header.index("E-post")] == registration.email
        choices = {c.registration.name: c.state for c in db.session.scalars(
            select(SessionChoice).where(SessionChoice.session_id == ids["session"]))}
    # Sorted by organisation the Swedish way: Umeå before Åsele.
    assert [r[0] for r in body if r[-1] == "Har plats"] == ["Anna Ek", "Bo Berg", "Örjan Öberg"]
    assert [r[-1] for r in body if r[0] == "Cecilia Dahl"] == ["Väntelista 1"]
    assert {r[0] for r in body} == set(choices)
    filtered = client.get(f"{url}.csv?organisation=Malå kommun").data.decode("utf-8-sig")
    assert "Cecilia Dahl" in filtered and "Anna Ek" not in filtered


def test_topics_are_grouped_by_organisation(led):
    ids, client = led
    page = text_of(client.get(f"/lead/sessions/{ids['session']}/topics"))
    assert page.index("Malå kommun") < page.index("Bevarande") < page.index("Umeå kommun")
    assert "E-arkiv" in page and "Gallring" in page


def test_the_printable_sheet_and_its_pdf(led):
    ids, client = led
    page = client.get(f"/lead/sessions/{ids['session']}/sheet")
    text = text_of(page)
    assert "Namnteckning" in text and "Örjan Öberg" in text and "Cecilia Dahl" not in text
    assert "data-print" in page.get_data(as_text=True)
    pdf = client.get(f"/lead/sessions/{ids['session']}/sheet.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_check_in_and_undo_and_walk_ins_while_there_is_room(app, led):
    ids, client = led
    url = f"/lead/sessions/{ids['session']}/checkin"
    with app.app_context():
        choice = db.session.scalar(select(SessionChoice).where(
            SessionChoice.session_id == ids["session"], SessionChoice.state == "confirmed"))
        choice_id, name = choice.id, choice.registration.name
    assert "0 på plats" in text_of(client.get(url))
    response = post_form(client, f"{url}/{choice_id}/arrived", {}, page=url)
    assert response.status_code == 302
    assert "1 på plats" in text_of(client.get(url))
    post_form(client, f"{url}/{choice_id}/undo", {}, page=url)
    assert "0 på plats" in text_of(client.get(url))
    # Full (3 of 3): a walk-in is refused.
    response = post_form(client, f"/lead/sessions/{ids['session']}/walk-in",
                         {"name": "Dörr Person", "organisation": "Vindelns kommun"}, page=url)
    assert "ingen plats" in text_of(client.get(response.location))
    with app.app_context():
        booking.cancel(db.session.scalar(select(Registration.id).where(Registration.name == "Bo Berg")), utcnow())
        booking.cancel(db.session.scalar(select(Registration.id).where(Registration.name == "Anna Ek")), utcnow())
    response = post_form(client, f"/lead/sessions/{ids['session']}/walk-in",
                         {"name": "Dörr Person", "organisation": "Vindelns kommun"}, page=url)
    page = text_of(client.get(response.location))
    assert "Dörr Person" in page and "1 på plats" in page
    with app.app_context():
        walk_in = db.session.scalar(select(Registration).where(Registration.name == "Dörr Person"))
        assert walk_in.source == "walk_in" and walk_in.choices[0].checked_in_at is not None
    assert name


def test_a_lead_emails_their_participants_after_a_preview(app, led, inbox):
    ids, client = led
    url = f"/lead/sessions/{ids['session']}/message"
    data = {"subject": "Inför dialogmötet", "body": "Ta med era frågor.\n\nVälkomna!"}
    preview = post_form(client, url, {**data, "preview": "1"})
    assert "Meddelandet går till 3 personer" in text_of(preview)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "session_message")) == 0
    response = post_form(client, url, {**data, "include_waiting": "y", "send": "1"})
    assert response.status_code == 302
    with app.app_context():
        deliver_due()
    received = [m for m in inbox.messages if m["Subject"] == "Inför dialogmötet"]
    assert len(received) == 4
    assert "Ta med era frågor." in parts(received[0])[0]
    assert "Kaj Beckman" in parts(received[0])[0]


def test_the_attendee_list_costs_the_same_number_of_queries_with_10_or_500_people(app):
    with app.app_context():
        event = make_event(capacities=(500, 5))
        session = event.blocks[0].sessions[0]
        make_lead_user(session, "kaj@example.org", "Kaj Beckman")
        choices = {event.blocks[0].id: session.id}
        session_id, event_id = session.id, event.id
        engine = db.engine

    def add_people(start, stop):
        with app.app_context():
            for n in range(start, stop):
                booking.register(event_id, details(n), choices, "sv", utcnow(), notify=False)

    client = app.test_client()
    login(client, "kaj@example.org")

    def queries_for_page():
        statements = []

        def count(*_args):
            statements.append(1)

        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(f"/lead/sessions/{session_id}")
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200
        return len(statements), text_of(response)

    add_people(0, 10)
    small, page = queries_for_page()
    assert "Deltagare 9" in page
    add_people(10, 500)
    large, page = queries_for_page()
    assert "Deltagare 499" in page
    assert large == small, (small, large)
