"""A delivery batch reads the same whatever it holds, and rendering reads and writes nothing:
single-use account links are issued by delivery, through the accounts service, beforehand."""
import ast
import dataclasses
import email
import email.policy
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event as sa_event, select

from eventapp.domain.reminders import Audience
from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due, load_batch, render_context
from eventapp.mail.messages import (STAFF_SUBJECTS, SUBJECTS, RenderContext, Skip,
                                     batch_rendering, build_message)
from eventapp.models import AccountToken, OutboxMessage, User
from eventapp.models.user import hash_token
from eventapp.services import (accounts, allocation, attendance, booking, events, preferences,
                               reminders)
from eventapp.util.time import utcnow
from tests.factories import details, make_event, make_user, sign_up
from tests.helpers import parts
from tests.test_architecture import PACKAGE, imported_modules

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def statements():
    """Every SQL statement sent while the block runs, as its first word (SELECT, UPDATE, ...)."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split(None, 1)[0].upper())

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)


def delivered(limit=10):
    """Deliver one batch; (reads, writes, counts by outcome)."""
    db.session.rollback()
    with statements() as seen:
        counts = deliver_due(limit=limit)
    return seen.count("SELECT"), sum(seen.count(w) for w in WRITES), counts


def queued():
    return db.session.scalar(select(db.func.count(OutboxMessage.id)).where(
        OutboxMessage.status == OutboxMessage.QUEUED))


def people(event, count, start):
    for n in range(start, start + count):
        sign_up(event, n)


def invitation(n, now):
    accounts.invite(f"ledare{n}@example.org", f"Ledare {n}", now, lead=True)


# Each mix queues exactly ten messages; the number is how many of them carry an account link.
def invitation_first(event, holder, start, now):
    invitation(start, now)
    people(event, 9, start)
    return 1


def invitation_last(event, holder, start, now):
    people(event, 9, start)
    invitation(start, now)
    return 1


def a_reminder(event, holder, start, now):
    people(event, 9, start)
    only_the_holder = Audience(session_ids=(event.blocks[0].sessions[1].id,))
    reminders.save_reminder(event.id, None, {"subject": "Påminnelse {event}",
                                             "body": "Hej {name}, vi ses i {room}."},
                            only_the_holder, None, None, now, send_now=True)
    return 0


def promoted_and_still_waiting(event, holder, start, now):
    """The holder moves in the first block: the person waiting gets the seat there and is
    still number 1 in line in the second block."""
    people(event, 8, start)
    first, second = event.blocks
    booking.change_sessions(holder.id, {first.id: first.sessions[0].id,
                                        second.id: second.sessions[1].id}, now)
    return 0


def invitation_reset_and_reminder(event, holder, start, now):
    invitation(start, now)
    make_user(email=f"arrangor{start}@example.org")
    accounts.request_password_reset(f"arrangor{start}@example.org", now)
    people(event, 7, start)
    only_the_holder = Audience(session_ids=(event.blocks[0].sessions[1].id,))
    reminders.save_reminder(event.id, None, {"subject": "P", "body": "{name}"}, only_the_holder,
                            None, None, now, send_now=True)
    return 2


MIXES = [invitation_first, invitation_last, a_reminder, promoted_and_still_waiting,
         invitation_reset_and_reminder]


@pytest.mark.parametrize("mix", MIXES, ids=lambda mix: mix.__name__)
def test_a_batch_of_ten_reads_the_same_whatever_kinds_of_message_it_holds(app, inbox, mix):
    with app.app_context():
        event = make_event(capacities=(50, 1), blocks=2)
        holder = sign_up(event, 1, session_index=1)
        sign_up(event, 2, session_index=1)  # waits in both blocks
        deliver_due()
        inbox.clear()

        people(event, 10, start=10)
        assert queued() == 10
        reads, writes, counts = delivered()
        assert counts["sent"] == 10

        links = mix(event, holder, 30, utcnow())
        assert queued() == 10
        mixed_reads, mixed_writes, mixed_counts = delivered()

    assert mixed_counts["sent"] == 10
    assert len(inbox.messages) == 20
    assert mixed_reads == reads
    # An account message adds its own link and nothing else: the old unused link is
    # revoked (UPDATE) and the new one's hash stored (INSERT).
    assert mixed_writes == writes + 2 * links


def every_kind_of_message(now):
    """One outbox row of every kind there is (and some more), queued through the services."""
    event = make_event(capacities=(1, 5))
    first = sign_up(event, 1)  # confirmation
    second = sign_up(event, 2)  # waiting
    sign_up(event, 3)  # waiting behind 2
    block = event.blocks[0]
    booking.change_sessions(first.id, {block.id: block.sessions[1].id}, now)  # changed, promoted
    booking.send_manage_link(event.id, "deltagare2@example.org", now)
    booking.update_details(second.id, details(2, email="ny2@example.org"), now,
                           new_email_confirmed=False)  # email_change, email_change_notice
    lead = make_user(email="lead@example.org", organiser=False)
    attendance.send_session_message(block.sessions[0].id, "Inför mötet", "Ta med frågor.", False,
                                    lead, now)
    reminders.save_reminder(event.id, None, {"subject": "Påminnelse {event}",
                                             "body": "Hej {name}, {session} i {room}: {manage_link}"},
                            Audience(), None, None, now, send_now=True)
    leaving = sign_up(event, 4, session_index=1)
    booking.cancel(leaving.id, now)  # cancelled
    invitation(5, now)
    accounts.request_password_reset("lead@example.org", now)
    other = make_event()
    sign_up(other, 6)
    events.change_status(other.id, "cancel", lead, now)  # event_cancelled
    allocated_block(now)


def allocated_block(now):
    """A block taking preferences, ranked, re-ranked and published: preferences_changed,
    allocated, allocation_waiting (a full first choice) and allocation_unplaced (a full
    first choice with no waiting list)."""
    event = make_event(capacities=(1, 1))
    block = event.blocks[0]
    allocation.save_settings(block.id, "preferences", None, "rank_maximal", None, now)
    block.sessions[1].waitlist_enabled = False
    db.session.commit()
    first, second = block.sessions[0].id, block.sessions[1].id
    people = [booking.register(event.id, details(n), {}, "sv", now,
                               rankings={block.id: [first, second]}) for n in (7, 8, 9, 10)]
    for person in people[2:]:
        preferences.change_ranking(person.id, block.id, [second, first], now)
    run = allocation.request_allocation(block.id, now, seed=1)
    allocation.allocate_due(now)
    allocation.publish(run.id, now)


def test_rendering_a_message_of_every_kind_reads_and_writes_nothing(app):
    with app.app_context():
        now = utcnow()
        every_kind_of_message(now)
        rows = load_batch(db.session.scalars(select(OutboxMessage.id)).all())
        context = render_context(rows, now)
        rendered = {}
        with statements() as seen:
            for row in rows:
                try:
                    rendered[(row.kind, row.to_address)] = build_message(row, context)
                except Skip:  # person 4's confirmation: they cancelled since
                    assert (row.kind, row.to_address) == ("confirmation", "deltagare4@example.org")
    assert seen == []
    assert {kind for kind, _to in rendered} == set(SUBJECTS) | set(STAFF_SUBJECTS)
    assert all(m.subject and m.body and m.html for m in rendered.values())
    # The place in line is today's, from the batch's one query: 3 is now first.
    assert "nummer 1" in rendered[("confirmation", "deltagare3@example.org")].body


def test_a_reminder_from_its_shared_frame_reads_as_if_rendered_whole(app):
    with app.app_context():
        now = utcnow()
        event = make_event(capacities=(4,))
        for n, (name, locale) in enumerate([("Ann <b>&amp; Öberg", "sv"), ("www.example.se", "en"),
                                            ("Bo", "sv"), ("Cia", "en")]):
            sign_up(event, n, locale=locale, name=name)
        texts = {
            "subject": "Påminnelse: {event} <{date}> & {name}",
            "body": "Hej {name}!\n\nSe https://example.org/?a=1&b=2 (eller www.test.se).\n"
                    "{sessions}\nmejla x@example.org\n\n\n{manage_link}",
            "subject_en": "Reminder {name}", "body_en": "Hi {name},\n{session} {room}\n{manage_link}"}
        reminders.save_reminder(event.id, None, texts, Audience(), None, None, now,
                                send_now=True)
        rows = load_batch(db.session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.kind == "reminder")).all())
        context = render_context(rows, now)
        with batch_rendering():
            framed = [build_message(row, context) for row in rows]
        whole = [build_message(row, dataclasses.replace(context, frames=None)) for row in rows]
    assert len(rows) == 4 and sorted(context.frames) == [(event.id, "en"), (event.id, "sv")]
    assert [(m.body, m.html) for m in framed] == [(m.body, m.html) for m in whole]
    assert "Ann &lt;b&gt;&amp;amp; Öberg" in framed[0].html


def flask_mail_bytes(message):
    """The same message as Flask-Mail's Message wrote it with the email package (before
    issue 16's writer), to hold mime.py to."""
    import flask_mail

    old = flask_mail.Message(subject=message.subject, recipients=message.recipients,
                             body=message.body, html=message.html, sender=message.sender,
                             reply_to=message.reply_to, extra_headers=message.extra_headers)
    for attachment in message.attachments:
        old.attach(attachment.filename, attachment.content_type, attachment.data)
    return old.as_bytes()


def as_read(raw):
    """What a mail program shows of a message: decoded headers, then each part's type,
    file name and decoded content."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = [(name, str(value)) for name, value in message.items()
               if name not in ("Content-Type", "Date", "Message-ID")] + [("Content-Type", message.get_content_type())]
    shown = [(part.get_content_type(), part.get_content_charset(), part.get_filename(),
              part.get_param("method"), part.get_payload(decode=True), part["MIME-Version"])
             for part in message.walk()]
    return headers, shown, message.defects


def test_every_kind_of_message_reads_as_flask_mail_wrote_it(app):
    with app.app_context():
        now = utcnow()
        every_kind_of_message(now)
        rows = load_batch(db.session.scalars(select(OutboxMessage.id)).all())
        context = render_context(rows, now)
        messages = []
        for row in rows:
            try:
                messages.append(build_message(row, context))
            except Skip:
                pass
        # Non-ASCII and long subjects, names and file names too.
        long_one = messages[0]
        long_one.subject = "Påminnelse: " + "en mycket lång rubrik med åäö " * 6
        long_one.sender = "Händelser i Västerbotten <noreply@example.org>"
        long_one.attach("kallelse åäö.ics", "text/calendar; charset=utf-8; method=REQUEST",
                        "BEGIN:VCALENDAR\r\nSUMMARY:Möte\r\nEND:VCALENDAR\r\n".encode())
        for message in messages:
            ours, theirs = as_read(message.as_bytes()), as_read(flask_mail_bytes(message))
            # Flask-Mail's encoded long subject lost a space where it was folded again.
            assert ("Subject", message.subject) in ours[0]
            ours[0].remove(("Subject", message.subject))
            theirs[0][:] = [(name, value) for name, value in theirs[0] if name != "Subject"]
            assert ours == theirs
            assert ours[2] == []
        assert all(line.endswith(b"\r") and len(line) <= 998
                   for message in messages for line in message.as_bytes().split(b"\n")[:-1])


def test_a_waiting_place_unknown_to_the_render_context_is_an_error_not_a_query(app):
    with app.app_context():
        event = make_event(capacities=(1,))
        sign_up(event, 1)
        sign_up(event, 2)
        rows = load_batch(db.session.scalars(select(OutboxMessage.id)).all())
        with statements() as seen, pytest.raises(KeyError):
            for row in rows:
                build_message(row, RenderContext(now=utcnow()))
    assert seen == []


def test_mail_rendering_imports_nothing_that_opens_a_transaction():
    refused = ("eventapp.extensions", "eventapp.services.unit_of_work",
               "eventapp.services.accounts", "sqlalchemy")
    for name in ("messages.py", "calendar.py"):
        path = PACKAGE / "mail" / name
        modules = imported_modules(path)
        assert [m for m in modules if m.startswith(refused)] == [], name
        session_use = [node.attr for node in ast.walk(ast.parse(path.read_text()))
                       if isinstance(node, ast.Attribute) and node.attr in ("session", "commit")]
        assert session_use == [], name


def test_an_invitation_link_is_issued_at_delivery_and_only_its_hash_is_stored(app, inbox):
    with app.app_context():
        invitation(1, utcnow())
        row = db.session.scalar(select(OutboxMessage))
        assert db.session.scalar(select(db.func.count(AccountToken.id))) == 0
        assert deliver_due()["sent"] == 1
        [token] = db.session.scalars(select(AccountToken)).all()
        payload = db.session.get(OutboxMessage, row.id).payload
    plain = parts(inbox.to("ledare1@example.org")[0])[0]
    raw = re.search(r"/password/set/(\S+)", plain).group(1)
    assert token.token_hash == hash_token(raw)
    assert raw not in str(payload)


def test_an_invitation_whose_person_chose_a_password_first_is_skipped_without_a_link(app, inbox):
    with app.app_context():
        invitation(1, utcnow())
        user = db.session.scalar(select(User))
        user.set_password("ett-eget-val-av-losenord")
        db.session.commit()
        counts = deliver_due()
        skipped = db.session.scalar(select(OutboxMessage))
        tokens = db.session.scalar(select(db.func.count(AccountToken.id)))
    assert counts["skipped"] == 1 and inbox.messages == []
    assert (skipped.status, skipped.last_error) == ("skipped", "password already chosen")
    assert tokens == 0


@pytest.mark.parametrize("text", [
    "Välkommen till Stadshuset, sal A & B <3", "(se https://example.org/a?b=1&c=2).",
    "HTTP://EXAMPLE.ORG", "WWW.example.se, eller www.test.se", "mejla x@example.org!",
    "mailto:y@example.org", "@ett-namn", "", "  indraget  ", "ftp://example.org"])
def test_the_links_filter_gives_what_urlize_gives(app, text):
    env, chosen = app.jinja_env, app.jinja_env.autoescape
    for autoescape in (True, False):  # as in the HTML and in the text templates
        env.autoescape = autoescape
        try:
            ours = env.from_string("{{ t|links(target='_blank') }}").render(t=text)
            theirs = env.from_string("{{ t|urlize(target='_blank') }}").render(t=text)
        finally:
            env.autoescape = chosen
        assert ours == theirs
