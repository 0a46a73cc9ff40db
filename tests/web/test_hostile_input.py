"""Input no browser sends, answered with a field error or a 400, never a 500: files in place
of text fields, control characters in `next=`, dates at the ends of the calendar."""
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import Event, OutboxMessage, ProgrammeItem, Registration, Reminder
from eventapp.services.accounts import issue_token
from eventapp.util.time import utcnow
from eventapp.web.tokens import manage_token
from tests.factories import make_event, make_lead_user, make_user, sign_up
from tests.helpers import CSRF, csrf_token, login, text_of

# Every name a form of ours reads, and the sessions' radio groups.
FIELD_NAMES = (
    "email", "password", "confirm", "name", "organisation", "job_title", "dietary_needs",
    "accessibility_needs", "discussion_topic", "consent", "title", "summary", "description",
    "venue", "address", "starts_at", "ends_at", "signup_opens_at", "signup_closes_at",
    "capacity", "contact_name", "contact_email", "contact_phone", "content_language",
    "ask_organisation", "ask_job_title", "privacy_text", "retention_days",
    "sensitive_retention_days", "reminder_days_before", "speakers", "room", "waitlist_enabled",
    "lead_ids", "subject", "body", "subject_en", "body_en", "states", "session_ids",
    "registered_after", "registered_before", "when", "send_at", "notify", "include_waiting",
    "preview", "send", "save", "submit")


@pytest.fixture
def world(app):
    """An event with a lead, a registration and its manage link, a reminder, a reset link;
    a signed-in organiser and lead, and an anonymous visitor."""
    with app.app_context():
        organiser = make_user()
        event = make_event(capacities=(5, 5))
        block = event.blocks[0]
        make_lead_user(block.sessions[0], "lead@example.org")
        registration = sign_up(event, 1)
        from eventapp.services.reminders import ensure_automatic_reminder

        reminder = ensure_automatic_reminder(event, utcnow())
        reset = issue_token(organiser, "reset", utcnow(), 2)
        db.session.commit()
        values = {
            "slug": event.slug, "token": manage_token(registration), "event_id": event.id,
            "block_id": block.id, "session_id": block.sessions[0].id,
            "registration_id": registration.id, "choice_id": registration.choices[0].id,
            "item_id": db.session.scalar(select(ProgrammeItem.id)), "reminder_id": reminder.id,
            "token_id": 1,
            "action": "arrived", "fmt": "csv", "code": "en", "reset": reset,
            "field": f"block_{block.id}",
        }
    clients = {"public": app.test_client(), "organiser": app.test_client(),
               "lead": app.test_client()}
    login(clients["organiser"], "organisator@example.org")
    login(clients["lead"], "lead@example.org")
    return values, clients


def token_of(client, values):
    page = client.get(f"/events/{values['slug']}/link")
    return CSRF.search(page.get_data(as_text=True)).group(1)


def as_files(values, names):
    return {name: (io.BytesIO(b"not text"), "x.txt") for name in names}


def post_files(client, url, values, names=FIELD_NAMES):
    data = {"csrf_token": token_of(client, values), **as_files(values, (*names, values["field"]))}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_a_file_in_place_of_any_text_field_of_any_form_is_never_a_server_error(app, world):
    values, clients = world
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    assert len(rules) >= 30
    errors = {}
    for rule in rules:
        blueprint = rule.endpoint.split(".")[0]
        client = clients[blueprint if blueprint in ("organiser", "lead") else "public"]
        args = {name: values["reset" if rule.endpoint == "auth.set_password" else name]
                for name in rule.arguments}
        if rule.endpoint.startswith("organiser."):
            args["action"] = {"organiser.change_status": "close",
                              "organiser.registration_choice": "promote",
                              "organiser.reminder_action": "cancel"}.get(rule.endpoint, "x")
        url = rule.build(args, append_unknown=False)[1]
        response = post_files(client, url, values)
        if response.status_code >= 500:
            errors[rule.endpoint] = response.status_code
    assert errors == {}


@pytest.mark.parametrize("page, field", [
    ("/login", "email"),
    ("/password/forgot", "email"),
    ("/events/{slug}/link", "email"),
    ("/events/{slug}/signup", "name"),
])
def test_a_file_sent_as_a_text_field_gets_a_field_error(world, page, field):
    values, clients = world
    client = clients["public"]
    url = page.format(**values)
    data = {"csrf_token": csrf_token(client, url), "email": "deltagare1@example.org",
            "password": "x" * 12, field: (io.BytesIO(b"not text"), "x.txt")}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Skriv det här som text, inte som en fil." in text_of(response)


def test_a_file_in_the_details_form_of_a_manage_link_changes_nothing(app, world):
    values, clients = world
    client = clients["public"]
    url = f"/manage/{values['token']}"
    data = {"csrf_token": csrf_token(client, url), "name": "Ny Namnsson",
            "organisation": "Umeå kommun", "email": (io.BytesIO(b"x@example.org"), "e.txt")}
    response = client.post(f"{url}/details", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Skriv det här som text, inte som en fil." in text_of(response)
    with app.app_context():
        stored = db.session.get(Registration, values["registration_id"])
        assert (stored.name, stored.email) == ("Deltagare 1", "deltagare1@example.org")


@pytest.mark.parametrize("url", ["/lang/en?next=/%0d%0ax", "/lang/en?next=/a%0aSet-Cookie:%20x=1"])
def test_a_line_break_in_next_is_never_followed(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location == "/"


def test_a_line_break_in_next_after_signing_in_goes_to_the_start_page_of_the_role(app):
    with app.app_context():
        make_user()
    client = app.test_client()
    response = client.post("/login?next=/%0d%0ax", data={
        "csrf_token": csrf_token(client, "/login"), "email": "organisator@example.org",
        "password": "korrekt-hast-batteri-zon"})
    assert response.status_code == 302
    assert response.location == "/organiser/"


EVENT_FORM = {
    "title": "Uppstart", "venue": "Folkets hus", "retention_days": "90",
    "sensitive_retention_days": "7", "content_language": "sv", "ask_organisation": "required",
    "ask_job_title": "optional", "ask_dietary_needs": "optional",
    "ask_accessibility_needs": "optional", "ask_discussion_topic": "optional",
}
YEARS_MESSAGE = "Ange ett datum mellan år 2000 och 2100."


@pytest.mark.parametrize("moment", ["0001-01-01T00:30", "9999-12-31T23:59", "1999-12-31T23:59"])
@pytest.mark.parametrize("field", ["starts_at", "signup_opens_at"])
def test_an_event_date_outside_the_years_2000_to_2100_is_a_field_error(world, moment, field):
    values, clients = world
    organiser = clients["organiser"]
    url = f"/organiser/events/{values['event_id']}/edit"
    data = {**EVENT_FORM, "starts_at": "2030-06-15T09:00", "ends_at": "2030-06-15T16:00",
            "csrf_token": csrf_token(organiser, url), field: moment}
    response = organiser.post(url, data=data)
    assert response.status_code == 400
    assert YEARS_MESSAGE in text_of(response)


@pytest.mark.parametrize("field", ["send_at", "registered_after"])
def test_a_reminder_date_outside_the_years_2000_to_2100_is_a_field_error(app, world, field):
    values, clients = world
    organiser = clients["organiser"]
    url = f"/organiser/events/{values['event_id']}/reminders/new"
    data = {"csrf_token": csrf_token(organiser, url), "subject": "Hej", "body": "Välkommen",
            "states": "confirmed", "when": "later", "send_at": "2030-01-01T09:00",
            field: "0001-01-01T00:00", "save": "y"}
    response = organiser.post(url, data=data)
    assert response.status_code == 400
    assert YEARS_MESSAGE in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Reminder.id))) == 1  # the automatic one


@pytest.mark.parametrize("starts_at", [datetime(1, 1, 1, 0, 30), datetime(9999, 12, 31, 12, 0)])
def test_an_event_stored_at_the_ends_of_the_calendar_still_shows_and_mails(app, inbox, starts_at):
    """Data from before the forms were bounded: every page and the calendar file still work."""
    with app.app_context():
        event = make_event(capacities=(5,))
        registration = sign_up(event, 1)
        token = manage_token(registration)
        stored = db.session.get(Event, event.id)
        stored.starts_at, stored.ends_at = starts_at, starts_at + timedelta(hours=10)
        stored.retention_days = stored.sensitive_retention_days = 3650
        for block in stored.blocks:
            block.starts_at, block.ends_at = stored.starts_at, stored.ends_at
        db.session.commit()
        slug = event.slug
    client = app.test_client()
    for url in (f"/events/{slug}", f"/manage/{token}", f"/manage/{token}/data",
                f"/manage/{token}/data.json"):
        assert client.get(url).status_code == 200, url
    with app.app_context():
        assert deliver_due()["sent"] == 1
        assert db.session.scalar(select(OutboxMessage.status)) == "sent"
    [message] = inbox.to("deltagare1@example.org")
    assert any(part.get_filename() == "kallelse.ics" for part in message.iter_attachments())


@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "%00=x", "next=/events%00"])
def test_a_nul_in_the_query_string_is_a_400_before_any_view(app, query):
    """web/errors.py::_refuse_nul_bytes reads the raw query string: a NUL can only arrive as
    %00 (or raw), in a value or in a name."""
    response = app.test_client().get(f"/?{query}")
    assert response.status_code == 400


def test_a_percent_sign_that_is_not_a_nul_is_no_reason_to_refuse(app):
    assert app.test_client().get("/?q=%2500&r=100%25").status_code == 200
