"""A person on the waiting list is told so: on the thanks page, the cancel page and in the
automatic reminder, in Swedish and in English."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.domain.reminders import Audience
from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import Registration
from eventapp.services import reminders as reminder_service
from eventapp.util.time import utcnow
from eventapp.web.tokens import manage_token
from tests.factories import make_event, make_user, sign_up
from tests.helpers import parts, signup_data, text_of

TEXT = {
    "sv": dict(
        thanks="Tack, Deltagare 1 – du står på väntelistan",
        number="Du står som nummer 1 på väntelistan till Session 1.1.",
        signed_up="du är anmäld",
        cancel="Du avbokar nu din anmälan till {event}. Du lämnar då väntelistan.",
        place_goes="Din plats går till nästa person",
        sessions="Dina dialogmöten:",
        line=r"\d\d:\d\d–\d\d:\d\d Session {b}\.1, lokal Sal A \(väntelista, nummer {n}\)",
        wrong="Ditt dialogmöte",
    ),
    "en": dict(
        thanks="Thank you, Deltagare 1 – you are on the waiting list",
        number="You are number 1 on the waiting list for Session 1.1.",
        signed_up="you are signed up",
        cancel="You are about to cancel your registration for {event}. You leave the waiting list.",
        place_goes="Your place goes to the next person",
        sessions="Your dialogue sessions:",
        line=r"\d\d:\d\d–\d\d:\d\d Session {b}\.1, room Sal A \(waiting list, number {n}\)",
        wrong="Your dialogue session:",
    ),
}


def readable(response):
    """The page's text with no space before a full stop (left where a <span> ends)."""
    return re.sub(r"\s+([.,:])", r"\1", text_of(response))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_thanks_and_cancel_pages_tell_a_waiting_list_person_where_they_stand(app, client, lang):
    t = TEXT[lang]
    with app.app_context():
        event = make_event(capacities=(1, 5))
        sign_up(event, n=9)  # the only seat of the first session
        client.get(f"/lang/{lang}")
        response = client.post(f"/events/{event.slug}/signup", data=signup_data(client, event))
        thanks = readable(client.get(response.location))
        registration = db.session.scalar(
            select(Registration).where(Registration.email == "deltagare1@example.org"))
        token, title = manage_token(registration), event.title
    cancel = readable(client.get(f"/manage/{token}/cancel"))

    assert t["thanks"] in thanks and t["number"] in thanks, thanks
    assert t["signed_up"] not in thanks
    assert t["cancel"].format(event=title) in cancel
    assert t["place_goes"] not in cancel


def test_the_thanks_page_of_a_person_with_a_seat_still_says_signed_up(app, client):
    with app.app_context():
        event = make_event(capacities=(5, 5))
        response = client.post(f"/events/{event.slug}/signup", data=signup_data(client, event))
        thanks = text_of(client.get(response.location))
    assert "Tack, Deltagare 1 – du är anmäld" in thanks and "väntelistan" not in thanks


def test_the_default_reminder_lists_each_waiting_place_on_a_line_with_its_time(app, inbox):
    with app.app_context():
        event = make_event(capacities=(1, 5), blocks=2)
        sign_up(event, n=9)  # the only seats of the first session of each pass
        sign_up(event, n=1, locale="sv")
        sign_up(event, n=2, locale="en")
        texts = reminder_service.default_texts()
        now = utcnow()
        reminder_service.save_reminder(
            event.id, None, {"subject": texts["sv"][0], "body": texts["sv"][1],
                             "subject_en": texts["en"][0], "body_en": texts["en"][1]},
            Audience(states=("waiting",)), now + timedelta(days=1), make_user(), now,
            send_now=True)
        deliver_due()
    for lang, n, address in (("sv", 1, "deltagare1@example.org"),
                             ("en", 2, "deltagare2@example.org")):
        t = TEXT[lang]
        [message] = [m for m in inbox.to(address)
                     if m["Subject"].startswith(("Påminnelse", "Reminder"))]
        body = parts(message)[0].replace("\r\n", "\n")
        lines = [re.escape(t["sessions"])] + [t["line"].format(b=b, n=n) for b in (1, 2)]
        assert re.search("\n".join(lines), body), body
        assert t["wrong"] not in body and "{" not in body and "{" not in message["Subject"]
