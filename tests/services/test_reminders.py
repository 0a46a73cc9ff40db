"""Reminders through the outbox: the right people, once each, whatever happens to workers."""
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from eventapp.domain.errors import UnknownPlaceholder
from eventapp.domain.reminders import Audience
from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import OutboxMessage, Registration, Reminder, SessionChoice
from eventapp.services import booking, reminders
from eventapp.util.time import utcnow
from tests.factories import make_event, make_user, sign_up
from tests.helpers import parts

ROOT = Path(__file__).resolve().parents[2]
TEXT = {"subject": "Påminnelse {event}", "body": "Hej {name}! Ditt pass: {session} i {room}.\n\n{manage_link}"}


def send_now(event, audience, actor=None, **texts):
    reminder, queued = reminders.save_reminder(event.id, None, {**TEXT, **texts}, audience, None,
                                               actor, utcnow(), send_now=True)
    return reminder, queued


def test_a_reminder_to_chosen_sessions_reaches_exactly_those_people_with_their_own_text(app, inbox):
    with app.app_context():
        event = make_event(capacities=(1, 5, 5, 5))
        for n, index in ((1, 0), (2, 0), (3, 1), (4, 2), (5, 3)):
            sign_up(event, n, session_index=index)  # person 2 waits for session 0
        sessions = event.blocks[0].sessions
        audience = Audience(states=("confirmed",), session_ids=(sessions[0].id, sessions[1].id, sessions[2].id))
        deliver_due()
        inbox.clear()
        _reminder, queued = send_now(event, audience)
        assert queued == 3
        deliver_due()
    assert sorted(m["To"] for m in inbox.messages) == [
        "deltagare1@example.org", "deltagare3@example.org", "deltagare4@example.org"]
    text = parts(inbox.to("deltagare3@example.org")[0])[0]
    assert "Hej Deltagare 3! Ditt pass: Session 1.2 i Sal B." in text
    assert "http://eventapp.test/manage/" in text
    assert inbox.to("deltagare3@example.org")[0]["Subject"].startswith("Påminnelse Uppstartsdag")


def test_unknown_placeholders_are_refused_before_anything_is_stored(app):
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        with pytest.raises(UnknownPlaceholder) as refused:
            send_now(event, Audience(), body="Hej {namn}")
        assert refused.value.names == ["namn"]
        assert db.session.scalar(select(db.func.count(Reminder.id)).where(~Reminder.automatic)) == 0
        assert db.session.scalar(select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "reminder")) == 0


def test_people_cancelled_before_the_send_are_skipped_and_late_sign_ups_are_not_retroactive(app, inbox):
    with app.app_context():
        event = make_event(capacities=(10,))
        first = sign_up(event, 1)
        sign_up(event, 2)
        reminder, queued = send_now(event, Audience())
        booking.cancel(first.id, utcnow())
        sign_up(event, 3)
        counts = deliver_due()
        assert counts["skipped"] == 2  # person 1's confirmation and reminder
        log, totals = reminders.sent_log(reminder.id)
        assert totals == {"sent": 1, "skipped": 1}
        assert [m.to_address for m, _name in log if m.status == "sent"] == ["deltagare2@example.org"]
        assert not any(m.to_address == "deltagare3@example.org" for m, _n in log)
        # "Send to those who have not had it": only the late sign-up, nobody twice.
        assert reminders.send_to_those_without(event.id, reminder.id, None, utcnow()) == 1
        assert reminders.send_to_those_without(event.id, reminder.id, None, utcnow()) == 0
        deliver_due()
    subjects = Counter(m["To"] for m in inbox.messages if m["Subject"].startswith("Påminnelse"))
    assert subjects == {"deltagare2@example.org": 1, "deltagare3@example.org": 1}


def test_a_scheduled_reminder_goes_out_when_due_and_can_be_edited_or_cancelled_until_then(app, inbox):
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        later = utcnow() + timedelta(days=3)
        reminder, _ = reminders.save_reminder(event.id, None, TEXT, Audience(), later, None, utcnow())
        cancelled, _ = reminders.save_reminder(event.id, None, TEXT, Audience(), later, None, utcnow())
        reminders.cancel_reminder(event.id, cancelled.id, None, utcnow())
        reminders.save_reminder(event.id, reminder.id, {**TEXT, "subject": "Ändrad {name}"},
                                Audience(), later, None, utcnow())
        assert reminders.queue_due_reminders(utcnow()) == 0
        assert reminders.queue_due_reminders(later + timedelta(minutes=1)) == 1
        assert reminders.queue_due_reminders(later + timedelta(minutes=2)) == 0
        deliver_due(now=later + timedelta(minutes=3))
        assert db.session.get(Reminder, reminder.id).status == "sent"
        with pytest.raises(Exception):
            reminders.save_reminder(event.id, reminder.id, TEXT, Audience(), later, None, utcnow())
    assert [m["Subject"] for m in inbox.messages if "Ändrad" in m["Subject"]] == ["Ändrad Deltagare 1"]


def test_every_event_gets_an_automatic_reminder_two_days_before_by_default(app):
    with app.app_context():
        user = make_user()
        from eventapp.services import events

        values = {"title": "Ny dag", "venue": "Umeå", "starts_at": utcnow() + timedelta(days=20),
                  "ends_at": utcnow() + timedelta(days=20, hours=6)}
        event = events.create_event(values, user, utcnow())
        automatic = db.session.scalar(select(Reminder).where(Reminder.event_id == event.id))
        assert automatic.automatic and automatic.status == "scheduled"
        assert automatic.send_at == event.starts_at - timedelta(days=2)
        assert "{manage_link}" in automatic.body
        events.update_event(event.id, {"reminder_days_before": None}, user, utcnow())
        db.session.expire_all()
        assert db.session.get(Reminder, automatic.id).status == "cancelled"


def test_the_english_text_goes_to_english_sign_ups(app, inbox):
    with app.app_context():
        event = make_event()
        sign_up(event, 1, locale="en")
        sign_up(event, 2)
        send_now(event, Audience(), subject_en="Reminder {event}", body_en="Hello {name}")
        deliver_due()
    assert [m["Subject"].split()[0] for m in inbox.to("deltagare1@example.org")][-1] == "Reminder"
    assert inbox.to("deltagare2@example.org")[-1]["Subject"].startswith("Påminnelse")


def test_a_temporary_failure_is_retried_and_a_permanent_one_is_shown(app, inbox):
    with app.app_context():
        event = make_event(capacities=(10,))
        sign_up(event, 1)
        sign_up(event, 2)
        deliver_due()
        inbox.clear()
        reminder, _ = send_now(event, Audience())
        inbox.refuse.extend([(451, "Greylisted, try later"), (550, "Mailbox unavailable")])
        counts = deliver_due()
        assert (counts["retry"], counts["failed"]) == (1, 1)
        assert deliver_due(now=utcnow() + timedelta(minutes=5))["sent"] == 1
        _log, totals = reminders.sent_log(reminder.id)
        assert totals == {"sent": 1, "failed": 1}
        failed = db.session.scalar(select(OutboxMessage).where(OutboxMessage.status == "failed"))
        assert "550" in failed.last_error
        assert reminders.retry_failed(event.id, reminder.id, None, utcnow()) == 1
        assert deliver_due()["sent"] == 1
    assert len(inbox.messages) == 2


# --- several workers, and a worker that dies -----------------------------------------------


def seed_reminder(app, people):
    """An event with `people` confirmed registrations and a reminder queued for all of them."""
    with app.app_context():
        event = make_event(capacities=(people,))
        block, session = event.blocks[0], event.blocks[0].sessions[0]
        now = utcnow()
        for n in range(people):
            registration = Registration(event_id=event.id, name=f"Deltagare {n}",
                                        email=f"deltagare{n}@example.org",
                                        email_key=f"deltagare{n}@example.org", organisation="Umeå kommun",
                                        created_at=now, updated_at=now, consented_at=now)
            registration.choices.append(SessionChoice(block_id=block.id, session_id=session.id,
                                                      state="confirmed", created_at=now))
            db.session.add(registration)
        db.session.commit()
        _reminder, queued = send_now(event, Audience())
        assert queued == people


def worker(app, database_url, smtp_port, tmp_path, flask_app="wsgi", **env):
    environment = {
        **os.environ, "FLASK_APP": flask_app, "EVENTAPP_ENV": "development",
        "DATABASE_URL": database_url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
        "SECRET_KEY": app.config["SECRET_KEY"], "BASE_URL": "http://eventapp.test",
        "EVENTAPP_INSTANCE_DIR": str(tmp_path), "LOG_LEVEL": "WARNING", "OUTBOX_BATCH_SIZE": "25",
        **{k: str(v) for k, v in env.items()},
    }
    return subprocess.Popen([sys.executable, "-m", "flask", "deliver-mail", "--batches", "1000"],
                            cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def node(n, tmp_path):
    """What a second (third...) app node's mail worker runs with: the production
    configuration on a machine of its own (its own instance folder and log format)."""
    instance = tmp_path / f"node{n}"
    instance.mkdir()
    return {"EVENTAPP_ENV": "production", "EVENTAPP_INSTANCE_DIR": str(instance),
            "LOG_FORMAT": ("json", "text")[n % 2]}


def test_two_workers_deliver_500_messages_exactly_once(app, inbox, database_url, tmp_path):
    seed_reminder(app, 500)
    # Each on a different node's configuration, as two app machines would run them.
    workers = [worker(app, database_url, inbox.port, tmp_path, **node(n, tmp_path))
               for n in (1, 2)]
    for process in workers:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err.decode()[-2000:]
    received = Counter(m["To"] for m in inbox.messages)
    assert len(received) == 500
    assert max(received.values()) == 1
    with app.app_context():
        assert db.session.scalar(select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "reminder", OutboxMessage.status == "sent")) == 500
        owners = db.session.scalars(select(OutboxMessage.lease_owner).distinct()).all()
        assert len(owners) == 2  # both workers took leases and sent


def test_a_worker_killed_mid_batch_is_restarted_and_delivers_the_rest_once(app, inbox, database_url, tmp_path):
    seed_reminder(app, 60)
    killed = worker(app, database_url, inbox.port, tmp_path, flask_app="tests.killable_worker",
                    EXIT_AFTER_SENT=7)
    killed.communicate(timeout=120)
    assert killed.returncode == 3  # died hard, mid-batch, after marking 7 messages sent
    assert len(inbox.messages) == 7
    with app.app_context():
        leased = db.session.scalar(select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.status == "sending"))
        assert leased > 0  # the rest of its batch is still leased to the dead worker
        lease = app.config["OUTBOX_LEASE_SECONDS"]
        # The restarted worker takes over once the dead one's leases have run out.
        later = utcnow() + timedelta(seconds=lease + 1)
        while deliver_due(now=later)["sent"]:
            pass
    received = Counter(m["To"] for m in inbox.messages)
    assert len(received) == 60 and max(received.values()) == 1
