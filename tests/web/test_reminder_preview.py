"""The reminder preview fills the placeholders exactly as the delivered mail does, in each
language the reminder is written in; unknown placeholders are refused on their field."""
import re
from html import unescape

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import OutboxMessage, Reminder
from tests.factories import make_event, make_user, sign_up
from tests.helpers import login, parts, post_form, text_of

EVERY_PLACEHOLDER = ("Hej {name}! {event} är {date} kl. {time} på {venue}. "
                     "Ditt dialogmöte: {session} i {room}.\n\nÄndra eller avboka: {manage_link}")
EVERY_PLACEHOLDER_EN = ("Hello {name}! {event} is on {date} at {time}, {venue}. "
                        "Your session: {session} in {room}.\n\nChange or cancel: {manage_link}")


def organiser_with_one_participant(app, locale="sv"):
    client = app.test_client()
    with app.app_context():
        make_user()
        event = make_event(capacities=(5, 5))
        sign_up(event, 1, session_index=1, locale=locale, name="Karin Berg")
        deliver_due()
        event_id = event.id
    login(client, "organisator@example.org")
    return client, f"/organiser/events/{event_id}/reminders/new"


def reminder_form(**texts):
    return {"subject": "Påminnelse: {event} {date}", "body": EVERY_PLACEHOLDER,
            "states": "confirmed", "when": "now", **texts}


def previewed(client, url, **texts):
    """{language: (subject, [paragraphs])} as the preview shows them."""
    response = post_form(client, url, {**reminder_form(**texts), "preview": "1"})
    assert response.status_code == 200, text_of(response)
    html = response.get_data(as_text=True)
    shown = {}
    for lang, subject, body in re.findall(
            r'<span lang="(\w+)">(.*?)</span></p>\s*<div lang="\1">(.*?)</div>', html, re.S):
        shown[lang] = (unescape(subject), [unescape(p) for p in re.findall(r"<p>(.*?)</p>", body, re.S)])
    return shown, response


def delivered_after_sending(app, inbox, client, url, **texts):
    inbox.clear()
    response = post_form(client, url, {**reminder_form(**texts), "save": "1"})
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        assert deliver_due()["sent"] == 1
    [message] = inbox.messages
    return message["Subject"], parts(message)[0].replace("\r\n", "\n").split("\n\n")


def test_the_preview_shows_what_the_person_receives(app, inbox):
    client, url = organiser_with_one_participant(app)
    shown, _response = previewed(client, url)
    subject, paragraphs = delivered_after_sending(app, inbox, client, url)

    preview_subject, preview_paragraphs = shown["sv"]
    assert preview_subject == subject
    assert preview_paragraphs[0] == paragraphs[0]
    assert preview_paragraphs[0].startswith("Hej Karin Berg! Uppstartsdag")
    assert "Ditt dialogmöte: Session 1.2 i Sal B." in preview_paragraphs[0]
    # The personal link is made at delivery only; the preview says where it goes.
    assert paragraphs[1].startswith("Ändra eller avboka: http://eventapp.test/manage/")
    assert preview_paragraphs[1] == "Ändra eller avboka: (personens egen länk)"
    assert list(shown) == ["sv"]


def test_the_preview_shows_the_english_text_too_as_an_english_sign_up_receives_it(app, inbox):
    client, url = organiser_with_one_participant(app, locale="en")
    english = {"subject_en": "Reminder: {event} {date}", "body_en": EVERY_PLACEHOLDER_EN}
    shown, response = previewed(client, url, **english)
    subject, paragraphs = delivered_after_sending(app, inbox, client, url, **english)

    assert list(shown) == ["sv", "en"]
    assert shown["en"][0] == subject
    assert shown["en"][1][0] == paragraphs[0]
    assert paragraphs[0].startswith("Hello Karin Berg!") and " at " in paragraphs[0]
    assert shown["sv"][1][0].startswith("Hej Karin Berg!")
    assert "Den engelska texten, för dem som anmält sig på engelska" in text_of(response)
    assert shown["en"][1][1] == "Change or cancel: (their personal link)"


def test_with_nobody_in_the_audience_the_preview_uses_sample_values(app):
    client, url = organiser_with_one_participant(app)
    shown, response = previewed(client, url, states="waiting")
    assert "Ingen hör till den här mottagargruppen just nu." in text_of(response)
    first = shown["sv"][1][0]
    assert first.startswith("Hej Maria Andersson!")
    assert "Ditt dialogmöte: Session 1.1 i Sal A." in first


def test_an_unknown_placeholder_is_refused_on_its_field_and_nothing_is_stored(app, inbox):
    client, url = organiser_with_one_participant(app)
    for button in ("preview", "save"):
        response = post_form(client, url, {**reminder_form(body="Hej {namn}, vi ses i {rum}."),
                                           button: "1"})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        error = re.search(r'<p class="error-message" id="body-error">(.*?)</p>', page, re.S)
        assert error and "{namn}, {rum}" in unescape(error.group(1))
        assert 'id="subject-error"' not in page
        assert "Hej {namn}, vi ses i {rum}." in unescape(page)  # what was typed is kept
        assert "Förhandsgranska</h2>" not in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Reminder.id)).where(~Reminder.automatic)) == 0
        assert db.session.scalar(select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "reminder")) == 0
