"""The outbox against a real SMTP server (aiosmtpd on 127.0.0.1)."""
import logging
from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail.delivery import claim_due, deliver_due
from eventapp.models import OutboxMessage
from eventapp.services import booking
from eventapp.util.time import utcnow
from tests.conftest import Inbox, free_port
from tests.factories import make_event, sign_up
from tests.helpers import manage_link, parts


def calendar_of(message):
    _plain, _html, attachments = parts(message)
    # Named in the mail's language: kallelse.ics, or avbokning.ics for a cancellation.
    [ics] = [data for name, data in attachments.items() if name.endswith(".ics")]
    return icalendar.Calendar.from_ical(ics)


def vevent(cal):
    return next(c for c in cal.walk("VEVENT"))


def test_confirmation_arrives_in_swedish_with_both_parts_calendar_and_a_working_link(app, inbox):
    with app.app_context():
        event = make_event(capacities=(5,))
        sign_up(event, 1, email="Anna.Lindqvist@example.org", name="Anna Lindqvist")
        assert deliver_due()["sent"] == 1
        slug, title = event.slug, event.title

    [message] = inbox.to("anna.lindqvist@example.org")
    plain, html, _attachments = parts(message)
    assert title in message["Subject"]
    assert "Bekräftelse" in message["Subject"]
    assert "Hej Anna Lindqvist" in plain and "Hej Anna Lindqvist" in html
    assert "Session 1.1" in plain and "Ledare 1.1" in plain and "Sal A" in plain
    assert "Du har en plats" in plain
    assert "anna.lindqvist@example.org" in plain  # the contact person, in every message
    link = manage_link(plain)
    assert link.startswith("http://eventapp.test/manage/")  # from BASE_URL, not a Host header
    assert link in html

    ical = calendar_of(message)
    assert str(ical["method"]) == "REQUEST"
    entry = vevent(ical)
    assert entry["sequence"] == 0
    assert entry["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert any(tz["tzid"] == "Europe/Stockholm" for tz in ical.walk("VTIMEZONE"))

    page = app.test_client().get(urlsplit(link).path)
    assert page.status_code == 200
    assert "Anna Lindqvist" in page.get_data(as_text=True)
    assert slug


def test_changes_and_cancellation_update_the_same_calendar_entry(app, inbox):
    with app.app_context():
        event = make_event(capacities=(5, 5))
        block = event.blocks[0]
        registration = sign_up(event, 1)
        deliver_due()
        booking.change_sessions(registration.id, {block.id: block.sessions[1].id}, utcnow())
        deliver_due()
        booking.cancel(registration.id, utcnow())
        deliver_due()
    first, changed, cancelled = inbox.to("deltagare1@example.org")
    uids = {str(vevent(calendar_of(m))["uid"]) for m in (first, changed, cancelled)}
    assert len(uids) == 1
    assert [vevent(calendar_of(m))["sequence"] for m in (first, changed, cancelled)] == [0, 1, 2]
    assert "Session 1.2" in parts(changed)[0]
    assert str(calendar_of(cancelled)["method"]) == "CANCEL"
    assert str(vevent(calendar_of(cancelled))["status"]) == "CANCELLED"


def test_confirmation_queued_before_a_cancellation_is_skipped(app, inbox):
    with app.app_context():
        event = make_event()
        registration = sign_up(event, 1)
        booking.cancel(registration.id, utcnow())
        counts = deliver_due()
    assert counts["skipped"] == 1 and counts["sent"] == 1
    [message] = inbox.to("deltagare1@example.org")
    assert "Avbokning" in message["Subject"]


def test_the_promoted_person_is_told_they_have_a_place(app, inbox):
    with app.app_context():
        event = make_event(capacities=(1,))
        first = sign_up(event, 1)
        sign_up(event, 2)
        deliver_due()
        waiting_mail = parts(inbox.to("deltagare2@example.org")[0])[0]
        assert "nummer 1 på väntelistan" in waiting_mail
        booking.cancel(first.id, utcnow())
        deliver_due()
    promoted = inbox.to("deltagare2@example.org")[-1]
    assert "Du har fått en plats" in promoted["Subject"]
    assert "Session 1.1" in parts(promoted)[0]


def test_english_registrations_get_english_mail(app, inbox):
    with app.app_context():
        event = make_event()
        sign_up(event, 1, locale="en")
        deliver_due()
    [message] = inbox.to("deltagare1@example.org")
    assert message["Subject"].startswith("Confirmation:")
    assert "You have a place" in parts(message)[0]


def test_only_the_holder_renewing_the_link_revokes_the_old_one(app, inbox):
    client = app.test_client()
    with app.app_context():
        event = make_event()
        registration = sign_up(event, 1)
        deliver_due()
        first = manage_link(parts(inbox.messages[0])[0])
        booking.send_manage_link(event.id, "deltagare1@example.org", utcnow())
        deliver_due()
        asked = manage_link(parts(inbox.messages[1])[0])
        booking.renew_manage_link(registration.id, utcnow())
        deliver_due()
        renewed = manage_link(parts(inbox.messages[2])[0])
    assert asked == first != renewed
    assert client.get(urlsplit(first).path).status_code == 410
    assert client.get(urlsplit(renewed).path).status_code == 200


def test_smtp_down_keeps_the_message_queued_and_delivers_it_when_the_server_is_back(make_app):
    port = free_port()
    app = make_app(MAIL_PORT=port)
    with app.app_context():
        event = make_event()
        sign_up(event, 1)  # the sign-up succeeds with the mail server down
        now = utcnow()
        assert deliver_due(now=now) == {"sent": 0, "retry": 1, "failed": 0, "logged": 0, "skipped": 0}
        row = db.session.scalar(select(OutboxMessage))
        assert (row.status, row.attempts) == ("queued", 1)
        assert row.next_attempt_at > now
        assert "refused" in row.last_error.lower() or "errno" in row.last_error.lower()
        assert deliver_due(now=now)["sent"] == 0  # not due again yet: back-off

        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            assert deliver_due(now=row.next_attempt_at + timedelta(seconds=1))["sent"] == 1
            assert deliver_due(now=utcnow() + timedelta(days=1))["sent"] == 0
        finally:
            controller.stop()
        db.session.expire_all()
        assert db.session.scalar(select(OutboxMessage.status)) == "sent"
    assert len(inbox.messages) == 1


def test_a_temporary_refusal_is_retried_and_delivered_once(app, inbox):
    inbox.refuse.append((451, "Try again later"))
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        assert deliver_due()["retry"] == 1
        assert deliver_due(now=utcnow() + timedelta(minutes=5))["sent"] == 1
        assert deliver_due(now=utcnow() + timedelta(days=1))["sent"] == 0
    assert len(inbox.to("deltagare1@example.org")) == 1


def test_a_permanent_refusal_is_failed_without_retrying(app, inbox):
    inbox.refuse.append((550, "No such user"))
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        assert deliver_due()["failed"] == 1
        assert deliver_due(now=utcnow() + timedelta(days=1))["sent"] == 0
        row = db.session.scalar(select(OutboxMessage))
        assert row.status == "failed" and "550" in row.last_error
    assert inbox.messages == []


def test_a_refused_recipient_is_logged_and_stored_without_the_address(app, inbox, caplog):
    # Erasure cannot reach a log file: a failure leaves the SMTP code and a redacted answer.
    inbox.refuse_recipients.add("deltagare1@example.org")
    with app.app_context(), caplog.at_level(logging.INFO):
        event = make_event()
        sign_up(event, 1)
        assert deliver_due()["failed"] == 1
        error = db.session.scalar(select(OutboxMessage.last_error))
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("eventapp"))
    assert "mail delivery failed" in ours
    for text in (error, ours):
        assert "deltagare1" not in text
        assert "550 5.1.1 <address>: Recipient address rejected: User unknown" in text


def test_without_a_mail_server_messages_are_kept_and_printed_to_the_log(make_app, caplog):
    app = make_app(MAIL_SERVER=None)
    with app.app_context(), caplog.at_level(logging.INFO, logger="eventapp.mail"):
        event = make_event()
        sign_up(event, 1)
        assert deliver_due()["logged"] == 1
        row = db.session.scalar(select(OutboxMessage))
        assert row.status == "logged"
    assert "deltagare1@example.org" in caplog.text and "Bekräftelse" in caplog.text


def test_two_workers_never_claim_the_same_message(app):
    with app.app_context():
        event = make_event(capacities=(50,))
        for n in range(6):
            sign_up(event, n)
        now = utcnow()
        first = claim_due(now, "worker-a", 4, 300)
        second = claim_due(now, "worker-b", 4, 300)
        assert len(first) == 4 and len(second) == 2
        assert not set(first) & set(second)
        # A worker that died leaves its lease; once it runs out another worker takes over.
        assert claim_due(now, "worker-c", 10, 300) == []
        assert sorted(claim_due(now + timedelta(seconds=301), "worker-c", 10, 300)) == sorted(first + second)


@pytest.mark.parametrize("kind", ["confirmation"])
def test_nothing_is_queued_for_a_rolled_back_sign_up(app, kind):
    from eventapp.domain.errors import SessionFull

    with app.app_context():
        event = make_event(capacities=(0,), waitlist=False)
        with pytest.raises(SessionFull):
            sign_up(event, 1)
        assert db.session.scalar(select(db.func.count(OutboxMessage.id)).where(OutboxMessage.kind == kind)) == 0
