"""What the organiser sees of what happened and what people are told: a move logged from one
session to another, a move with or without an email, the reminder's send date with its
weekday, a preview that keeps line breaks for a chosen recipient, and the lead's invitation
naming the event and the session."""
import re
from datetime import datetime
from html import unescape

from sqlalchemy import select

from eventapp.domain.reminders import Audience
from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import Event, User
from eventapp.services import programme, reminders as reminder_service
from eventapp.util.time import utcnow
from tests.factories import make_event, make_user, sign_up
from tests.helpers import login, parts, post_form, text_of


def organiser_with_people(app, people=1):
    """A signed-in organiser and an event (two sessions of 5) with `people` in Session 1.1,
    their confirmations already delivered."""
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event(capacities=(5, 5))
        registrations = [sign_up(event, n, name=f"Person {n}") for n in range(1, people + 1)]
        deliver_due()
        block = event.blocks[0]
        ids = {"event": event.id, "block": block.id, "from": block.sessions[0].id,
               "to": block.sessions[1].id, "people": [r.id for r in registrations]}
    login(client, "organisator@example.org")
    return client, ids


def move(client, ids, **data):
    url = f"/organiser/events/{ids['event']}/registrations/{ids['people'][0]}"
    return post_form(client, f"{url}/sessions", {f"block_{ids['block']}": str(ids["to"]), **data},
                     page=url)


def test_a_move_is_logged_from_one_session_to_the_other(app, inbox):
    client, ids = organiser_with_people(app)
    move(client, ids, notify="y")
    log = text_of(client.get(f"/organiser/events/{ids['event']}/activity"))
    assert "Flyttad till ett annat dialogmöte: från Session 1.1 till Session 1.2" in log
    person = text_of(client.get(f"/organiser/events/{ids['event']}/registrations/{ids['people'][0]}"))
    assert "från Session 1.1 till Session 1.2" in person


def test_the_move_form_tells_the_person_unless_the_organiser_unticks_it(app):
    client, ids = organiser_with_people(app)
    html = client.get(f"/organiser/events/{ids['event']}/registrations/{ids['people'][0]}"
                      ).get_data(as_text=True)
    assert re.search(r'<input checked id="move-notify" name="notify" type="checkbox"', html)
    assert '<label for="move-notify">Mejla personen om flytten</label>' in html


def test_moving_someone_without_a_notice_sends_them_nothing(app, inbox):
    client, ids = organiser_with_people(app)
    inbox.clear()
    response = move(client, ids)  # the box unticked
    assert "Flyttad. Personen fick inget mejl." in text_of(client.get(response.location))
    with app.app_context():
        deliver_due()
        assert db.session.get(Event, ids["event"]).blocks[0].sessions[1].title == "Session 1.2"
    assert inbox.messages == []
    log = text_of(client.get(f"/organiser/events/{ids['event']}/activity"))
    assert "från Session 1.1 till Session 1.2, inget mejl skickat" in log


def test_moving_someone_with_a_notice_mails_them_the_new_session(app, inbox):
    client, ids = organiser_with_people(app)
    inbox.clear()
    move(client, ids, notify="y")
    with app.app_context():
        deliver_due()
    [changed] = inbox.to("deltagare1@example.org")
    assert "Session 1.2" in parts(changed)[0]


def test_the_reminder_pages_show_the_weekday_of_the_send_date(app):
    client, ids = organiser_with_people(app)
    with app.app_context():
        reminder, _queued = reminder_service.save_reminder(
            ids["event"], None, {"subject": "Välkommen", "body": "Hej {name}"}, Audience(),
            datetime(2027, 6, 15, 7, 30), None, utcnow())  # 09:30 in Stockholm (summer time)
        reminder_id = reminder.id
    listing = text_of(client.get(f"/organiser/events/{ids['event']}/reminders"))
    assert "tisdag 15 juni 2027 kl. 09:30" in listing
    form = text_of(client.get(f"/organiser/events/{ids['event']}/reminders/{reminder_id}"))
    assert "Skickas tisdag 15 juni 2027 kl. 09:30" in form


def preview(client, ids, body, **extra):
    response = post_form(client, f"/organiser/events/{ids['event']}/reminders/new", {
        "subject": "Inför {event}", "body": body, "states": "confirmed", "when": "now",
        "preview": "1", **extra})
    assert response.status_code == 200, text_of(response)
    return response


def preview_paragraphs(response):
    html = response.get_data(as_text=True)
    body = re.search(r'<div lang="sv">(.*?)</div>', html, re.S).group(1)
    return [unescape(p) for p in re.findall(r"<p>(.*?)</p>", body, re.S)]


def test_the_preview_keeps_line_breaks_as_typed(app):
    client, ids = organiser_with_people(app)
    response = preview(client, ids, "Hej {name}!\r\nVälkommen.\r\n\r\nHälsningar\r\nAnna")
    assert preview_paragraphs(response) == ["Hej Person 1!<br>Välkommen.", "Hälsningar<br>Anna"]


def test_the_delivered_reminder_keeps_line_breaks_too(app, inbox):
    client, ids = organiser_with_people(app)
    inbox.clear()
    post_form(client, f"/organiser/events/{ids['event']}/reminders/new", {
        "subject": "Inför {event}", "body": "Hej {name}!\r\nVälkommen.", "states": "confirmed",
        "when": "now", "save": "1"})
    with app.app_context():
        deliver_due()
    [reminder] = inbox.to("deltagare1@example.org")
    assert "Hej Person 1!<br>Välkommen." in parts(reminder)[1]


def test_the_organiser_picks_whose_copy_to_preview(app):
    client, ids = organiser_with_people(app, people=3)
    first = preview(client, ids, "Hej {name}!")
    html = first.get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', html)
    assert [(int(v), bool(s), label) for v, s, label in options] == [
        (ids["people"][0], True, "Person 1 (deltagare1@example.org)"),
        (ids["people"][1], False, "Person 2 (deltagare2@example.org)"),
        (ids["people"][2], False, "Person 3 (deltagare3@example.org)")]
    assert preview_paragraphs(first) == ["Hej Person 1!"]
    third = preview(client, ids, "Hej {name}!", preview_for=str(ids["people"][2]))
    assert preview_paragraphs(third) == ["Hej Person 3!"]
    assert f'<option value="{ids["people"][2]}" selected>' in third.get_data(as_text=True)
    assert "Så här kommer Person 3 att läsa den" in text_of(third)


def test_someone_outside_the_audience_is_never_previewed(app):
    client, ids = organiser_with_people(app, people=2)
    with app.app_context():
        stranger = sign_up(make_event(), 9, name="Annan Person").id
    response = preview(client, ids, "Hej {name}!", preview_for=str(stranger))
    assert preview_paragraphs(response) == ["Hej Person 1!"]


def test_a_leads_invitation_names_the_event_and_the_session(app, inbox):
    with app.app_context():
        organiser = make_user()
        event = make_event()
        block = event.blocks[0]
        programme.save_session(event.id, block.id, None, {
            "title": "E-arkiv", "description": "", "room": "", "capacity": 10,
            "waitlist_enabled": True, "remove_lead_ids": [],
            "new_leads": [(1, "Kaj Beckman", "kaj@example.org")]}, organiser, utcnow())
        deliver_due()
        title = event.title
        assert db.session.scalar(select(User.is_lead).where(User.email == "kaj@example.org"))
    [invitation] = inbox.to("kaj@example.org")
    assert invitation["Subject"] == f"Inbjudan att vara mötesledare: {title}"
    plain, html, _files = parts(invitation)
    expected = (f"Olga Organisatör har bjudit in dig att vara mötesledare för dialogmötet "
                f"”E-arkiv” på {title}.")
    assert expected in plain
    assert expected in unescape(html)
