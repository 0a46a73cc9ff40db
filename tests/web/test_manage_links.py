"""What a participant's personal link and browser can open: only their own registration,
never someone else's, and a clear page for a link that no longer works."""
from datetime import timedelta
from urllib.parse import urlsplit

from icalendar import Calendar
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import Registration
from eventapp.services import privacy
from eventapp.util.time import utcnow
from tests.factories import make_event, sign_up
from tests.helpers import csrf_token, manage_link, parts, text_of


def signup_over_http(client, event, n):
    """Sign up in this browser (call outside an app context: each browser has its own)."""
    url = f"/events/{event['slug']}/signup"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "name": f"Deltagare {n}",
        "email": f"deltagare{n}@example.org", "organisation": "Umeå kommun", "consent": "y",
        event["block"]: event["session"]})
    assert response.status_code == 302, text_of(response)


def link_of(inbox, address):
    deliver_due()
    return urlsplit(manage_link(parts(inbox.to(address)[-1])[0])).path


def test_the_thanks_page_shows_only_who_signed_up_in_that_browser(app, inbox):
    first, second = app.test_client(), app.test_client()
    with app.app_context():
        made = make_event()
        slug = made.slug
        event = {"slug": slug, "block": f"block_{made.blocks[0].id}",
                 "session": str(made.blocks[0].sessions[0].id)}
    signup_over_http(first, event, 1)
    with app.app_context():
        privacy.delete_registration(db.session.scalar(select(Registration.id)), utcnow())
    signup_over_http(second, event, 2)
    response = first.get(f"/events/{slug}/thanks")
    assert response.status_code == 302 and "Deltagare 2" not in text_of(response)
    assert "Tack, Deltagare 2" in text_of(second.get(f"/events/{slug}/thanks"))


def test_a_link_in_the_first_format_opens_nothing_and_offers_a_new_link(app, client, inbox):
    with app.app_context():
        event = make_event()
        registration = sign_up(event, 1)
        # What a confirmation sent before the fix carried: (id, link version), signed.
        old = URLSafeSerializer(app.config["SECRET_KEY"], salt="manage-link").dumps(
            [registration.id, registration.link_version])
        slug = event.slug
    for path in (f"/manage/{old}", f"/manage/{old}/data.json"):
        response = client.get(path)
        assert response.status_code == 410
        page = text_of(response)
        assert "Deltagare 1" not in page and "deltagare1@example.org" not in page
    assert "Länken fungerar inte längre" in page
    assert f"/events/{slug}/link" in response.get_data(as_text=True)
    response = client.post(f"/manage/{old}/details", data={
        "csrf_token": csrf_token(client, f"/events/{slug}/link"), "name": "Inkräktare",
        "email": "inkrakare@example.org"})
    assert response.status_code == 410
    with app.app_context():
        assert db.session.scalar(select(Registration.name)) == "Deltagare 1"


def test_ids_never_come_back_after_an_erasure(app):
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        last = sign_up(event, 2)
        erased_id = last.id
        privacy.delete_registration(erased_id, utcnow())
        assert sign_up(event, 3).id > erased_id


def test_the_current_link_opens_the_registration_it_was_sent_for(app, client, inbox):
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        sign_up(event, 2)
        link = link_of(inbox, "deltagare2@example.org")
    page = client.get(link).get_data(as_text=True)
    assert 'value="Deltagare 2"' in page and "Deltagare 1" not in page


def test_after_retention_an_old_link_answers_410_and_writes_nothing_back(app, client, inbox):
    with app.app_context():
        event = make_event()
        sign_up(event, 1, dietary_needs="Glutenfri")
        link = link_of(inbox, "deltagare1@example.org")
        privacy.apply_retention(event.ends_at + timedelta(days=event.retention_days))
        slug = event.slug
    response = client.get(link)
    assert response.status_code == 410
    assert "har vi tagit bort personuppgifterna i den här anmälan" in text_of(response)
    token = csrf_token(client, f"/events/{slug}/link")
    for action in ("details", "sessions", "cancel", "delete"):
        response = client.post(f"{link}/{action}", data={
            "csrf_token": token, "name": "Deltagare 1", "email": "deltagare1@example.org",
            "organisation": "Umeå kommun", "dietary_needs": "Glutenfri"})
        assert response.status_code == 410, action
    with app.app_context():
        stored = db.session.scalar(select(Registration))
        assert (stored.name, stored.email, stored.dietary_needs, stored.status) == (
            "", "", "", "active")


def test_asking_for_a_link_keeps_the_links_a_person_already_has(app, client, inbox):
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        first = link_of(inbox, "deltagare1@example.org")
        url = f"/events/{event.slug}/link"
    stranger = app.test_client()
    for _ in range(3):
        response = stranger.post(url, data={"csrf_token": csrf_token(stranger, url),
                                            "email": "deltagare1@example.org"})
        assert response.status_code == 302
    with app.app_context():
        mailed = link_of(inbox, "deltagare1@example.org")
    for link in (first, mailed):
        response = client.get(link)
        assert response.status_code == 200 and 'value="Deltagare 1"' in response.get_data(as_text=True)
    assert "Här är länken till din anmälan" in parts(inbox.to("deltagare1@example.org")[-1])[0]


def test_the_holder_makes_old_links_stop_working_and_gets_a_new_one_by_mail(app, client, inbox):
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        old = link_of(inbox, "deltagare1@example.org")
        slug = event.slug
    assert "Stäng av mina gamla länkar" in text_of(client.get(old))
    assert "Alla länkar till din anmälan" in text_of(client.get(f"{old}/renew"))
    response = client.post(f"{old}/renew", data={"csrf_token": csrf_token(client, f"{old}/renew")})
    assert response.status_code == 302 and response.location.endswith(f"/events/{slug}")
    assert "Dina gamla länkar fungerar inte längre" in text_of(client.get(response.location))

    response = client.get(old)
    assert response.status_code == 410 and "Deltagare 1" not in text_of(response)
    assert "En nyare länk har ersatt den här" in text_of(response)
    assert f"/events/{slug}/link" in response.get_data(as_text=True)
    with app.app_context():
        new = link_of(inbox, "deltagare1@example.org")
    assert "Länkar som vi skickat tidigare fungerar inte längre" in parts(
        inbox.to("deltagare1@example.org")[-1])[0]
    assert new != old and client.get(new).status_code == 200


def test_the_calendar_file_links_to_the_event_page_and_never_to_the_personal_link(app, inbox):
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        deliver_due()
        slug = event.slug
    plain, _html, attachments = parts(inbox.to("deltagare1@example.org")[0])
    calendar = Calendar.from_ical(attachments["kallelse.ics"])
    description = str(calendar.walk("VEVENT")[0]["DESCRIPTION"])
    assert "/manage/" not in attachments["kallelse.ics"].decode()
    assert f"http://eventapp.test/events/{slug}" in description
    assert "/manage/" in plain  # the personal link stays in the email itself
