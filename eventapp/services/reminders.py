"""Reminders: compose, schedule, queue for the audience (at most one each), retry, log."""
from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, insert, select, update

from ..domain import placeholders, reminders as rules
from ..domain.errors import NotFound, ReminderLocked, ReminderNotSent
from ..extensions import db
from ..models import (Event, OutboxMessage, ParallelBlock, Preference, Registration, Reminder,
                      SessionChoice)
from ..util.text import unlinked
from .activity import log_activity
from .queries import waiting_positions
from .unit_of_work import is_sqlite, lock_rows, write_transaction

TEXT_FIELDS = ("subject", "body", "subject_en", "body_en")


def default_texts():
    """The automatic reminder's text in Swedish and English."""
    texts = {}
    for locale in ("sv", "en"):
        with force_locale(locale):
            texts[locale] = (
                gettext("Reminder: {event} on {date}"),
                gettext(
                    "Hello {name},\n\nWelcome to {event} on {date} at {time}, {venue}.\n\n"
                    "Your dialogue sessions:\n{sessions}\n\n"
                    "Can you not come after all? Cancel, so that someone else can have the "
                    "place: {manage_link}"
                ),
            )
    return texts


def ensure_automatic_reminder(event, now):
    """The event's automatic reminder, created with the default text if it has none yet.
    Its send time follows the event's start. The caller commits."""
    reminder = db.session.scalar(
        select(Reminder).where(Reminder.event_id == event.id, Reminder.automatic))
    if reminder is None:
        texts = default_texts()
        reminder = Reminder(event_id=event.id, automatic=True, subject=texts["sv"][0],
                            body=texts["sv"][1], subject_en=texts["en"][0], body_en=texts["en"][1],
                            audience=rules.Audience().as_json(), created_at=now, updated_at=now,
                            send_at=event.starts_at, status=Reminder.SCHEDULED)
        db.session.add(reminder)
    if reminder.status == Reminder.SCHEDULED or reminder.status == Reminder.CANCELLED:
        if event.reminder_days_before is None:
            reminder.status = Reminder.CANCELLED
        else:
            reminder.status = Reminder.SCHEDULED
            reminder.send_at = rules.automatic_send_at(event.starts_at, event.reminder_days_before)
    return reminder


def audience_of(event_id, audience, *, only_without=None):
    """The active registrations a reminder reaches; `only_without`: skip those who have
    already had that reminder (for "send again to those who have not had it")."""
    rows = db.session.execute(
        select(Registration, SessionChoice.session_id, SessionChoice.state)
        .join(SessionChoice, SessionChoice.registration_id == Registration.id)
        .where(Registration.event_id == event_id, Registration.status == Registration.ACTIVE,
               ~Registration.email_key.like("walk-in:%"))
        .order_by(Registration.name, Registration.id)
    ).all()
    people, choices, awaiting = {}, {}, _awaiting_allocation(event_id)
    for registration, session_id, state in list(rows) + awaiting:
        people[registration.id] = registration
        choices.setdefault(registration.id, {})[session_id] = state
    chosen = [r for rid, r in people.items() if audience.includes(choices[rid], r.created_at)]
    if awaiting:  # by name as the query orders the others
        chosen.sort(key=lambda r: (r.name, r.id))
    if only_without is not None:
        had = set(db.session.scalars(select(OutboxMessage.registration_id).where(
            OutboxMessage.reminder_id == only_without)))
        chosen = [r for r in chosen if r.id not in had]
    return chosen


def _awaiting_allocation(event_id):
    """(registration, session id, "awaiting") for each session ranked in a block that has
    not been allocated yet: a reminder can address those awaiting allocation."""
    return [(registration, session_id, rules.AWAITING) for registration, session_id in
            db.session.execute(
                select(Registration, Preference.session_id)
                .join(Preference, Preference.registration_id == Registration.id)
                .join(ParallelBlock, ParallelBlock.id == Preference.block_id)
                .where(Registration.event_id == event_id,
                       Registration.status == Registration.ACTIVE,
                       ParallelBlock.allocation_mode == ParallelBlock.PREFERENCES,
                       ~Registration.email_key.like("walk-in:%")))]


def _queue(reminder, now):
    """One outbox row per person in the audience who has none for this reminder yet. The
    unique dedupe key makes "at most one" a fact of the database, not only of this code."""
    people = audience_of(reminder.event_id, rules.Audience.from_json(reminder.audience),
                         only_without=reminder.id)
    if people:  # one INSERT for all of them (a thousand ORM objects cost more than sending)
        db.session.execute(insert(OutboxMessage), [dict(
            kind="reminder", registration_id=registration.id, reminder_id=reminder.id,
            to_address=registration.email, locale=registration.locale,
            payload={"reminder_id": reminder.id}, status=OutboxMessage.QUEUED,
            next_attempt_at=now, created_at=now,
            dedupe_key=f"reminder:{reminder.id}:{registration.id}",
        ) for registration in people])
    reminder.status = Reminder.SENT
    reminder.queued_at = reminder.queued_at or now
    return len(people)


@write_transaction()
def save_reminder(event_id, reminder_id, values, audience, send_at, actor, now, send_now=False):
    """Create or edit a reminder (only while it has not gone out). Unknown placeholders are
    refused before anything is stored."""
    rules.check_placeholders({field: values.get(field) or "" for field in TEXT_FIELDS})
    if reminder_id:
        reminder = _locked_reminder(event_id, reminder_id)
        if reminder.status == Reminder.SENT:
            raise ReminderLocked()
    else:
        reminder = Reminder(event_id=event_id, created_by_id=getattr(actor, "id", None),
                            created_at=now)
        db.session.add(reminder)
    for field in TEXT_FIELDS:
        setattr(reminder, field, values.get(field) or "")
    reminder.audience = audience.as_json()
    reminder.updated_at = now
    reminder.status = Reminder.SCHEDULED
    reminder.send_at = now if send_now else send_at
    db.session.flush()
    queued = _queue(reminder, now) if send_now else 0
    log_activity(event_id, actor, "reminder.sent" if send_now else "reminder.scheduled",
                 reminder.subject, now, reminder_id=reminder.id, recipients=queued)
    return reminder, queued


def _locked_reminder(event_id, reminder_id):
    """The event's reminder, locked for this transaction (NotFound if it is not the event's)."""
    reminder = lock_rows(Reminder, [reminder_id]).get(reminder_id)
    if reminder is None or reminder.event_id != event_id:
        raise NotFound(reminder_id)
    return reminder


@write_transaction()
def cancel_reminder(event_id, reminder_id, actor, now):
    reminder = _locked_reminder(event_id, reminder_id)
    if reminder.status != Reminder.SCHEDULED:
        raise ReminderLocked()
    reminder.status = Reminder.CANCELLED
    log_activity(event_id, actor, "reminder.cancelled", reminder.subject, now, reminder_id=reminder.id)


@write_transaction()
def send_to_those_without(event_id, reminder_id, actor, now):
    """Queue a sent reminder for people in its audience who have not had it (late sign-ups)."""
    reminder = _locked_reminder(event_id, reminder_id)
    if reminder.status != Reminder.SENT:
        raise ReminderNotSent()
    queued = _queue(reminder, now)
    log_activity(event_id, actor, "reminder.sent_again", reminder.subject, now,
                 reminder_id=reminder.id, recipients=queued)
    return queued


@write_transaction()
def retry_failed(event_id, reminder_id, actor, now):
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.reminder_id == reminder_id, OutboxMessage.status == OutboxMessage.FAILED)
        .values(status=OutboxMessage.QUEUED, attempts=0, next_attempt_at=now, last_error=None)
    )
    log_activity(event_id, actor, "reminder.retry", "", now, reminder_id=reminder_id,
                 messages=result.rowcount)
    return result.rowcount


@write_transaction()
def queue_due_reminders(now, limit=20):
    """Turn scheduled reminders whose time has come into outbox rows. Run by the mail worker
    and by `flask deliver-mail`; two workers never queue the same reminder (row lock + the
    unique key per person)."""
    query = (select(Reminder).join(Event, Event.id == Reminder.event_id)
             .where(Reminder.status == Reminder.SCHEDULED, Reminder.send_at <= now,
                    Event.status.in_((Event.PUBLISHED, Event.CLOSED)), Event.starts_at > now)
             .order_by(Reminder.send_at).limit(limit))
    if not is_sqlite():
        query = query.with_for_update(skip_locked=True, of=Reminder)
    total = 0
    for reminder in db.session.scalars(query).all():
        total += _queue(reminder, now)
    return total


def sent_log(reminder_id):
    rows = db.session.execute(
        select(OutboxMessage, Registration.name)
        .join(Registration, Registration.id == OutboxMessage.registration_id, isouter=True)
        .where(OutboxMessage.reminder_id == reminder_id)
        .order_by(Registration.name, OutboxMessage.id)
    ).all()
    totals = {}
    for message, _name in rows:
        key = "queued" if message.status == OutboxMessage.SENDING else message.status
        totals[key] = totals.get(key, 0) + 1
    return rows, totals


def reminders_of(event_id):
    counts = dict(db.session.execute(
        select(OutboxMessage.reminder_id, func.count(OutboxMessage.id))
        .join(Reminder, Reminder.id == OutboxMessage.reminder_id)
        .where(Reminder.event_id == event_id).group_by(OutboxMessage.reminder_id)).all())
    reminders = db.session.scalars(select(Reminder).where(Reminder.event_id == event_id)
                                   .order_by(Reminder.automatic.desc(), Reminder.send_at)).all()
    return reminders, counts


def placeholder_context(event, locale, manage_link, registration=None, positions=None):
    """What a reminder's placeholders are filled from: this registration's values, or samples
    when there is none. With `positions` (waiting choice id: place in line, as the mail
    worker gathers for its batch) it reads only what comes loaded with a registration (its
    choices with their sessions and blocks), so the worker renders from its preload."""
    recipient = sample = None
    if registration is not None:
        held = sorted((c for c in registration.choices if c.state != SessionChoice.CANCELLED),
                      key=lambda c: c.block.starts_at)
        if positions is None and any(c.state == SessionChoice.WAITING for c in held):
            positions = waiting_positions([registration.id])
        # The name as plain words: mail programs (and the HTML's urlize) make no link of it.
        recipient = placeholders.Recipient(unlinked(registration.name), tuple(
            placeholders.Session(c.session.title, c.session.room or "", c.block.starts_at,
                                 c.block.ends_at, (positions or {}).get(c.id)
                                 if c.state == SessionChoice.WAITING else None)
            for c in held))
    else:
        block, first = next(((b, s) for b in event.blocks for s in b.sessions), (None, None))
        sample = placeholders.Session(first.title, first.room or "", block.starts_at,
                                      block.ends_at) if first else None
    return placeholders.PlaceholderContext(
        locale=locale, event_title=event.title, starts_at=event.starts_at,
        venue=event.venue or "", address=event.address or "", manage_link=manage_link,
        recipient=recipient, sample_session=sample, **_session_words(locale))


def _session_words(locale):
    """The words of the session lines in `locale`, worked out once per app and language (the
    mail worker fills a thousand reminders in a row)."""
    known = current_app.extensions.setdefault("eventapp.reminder_words", {})
    if locale not in known:
        with force_locale(locale):
            known[locale] = {"room_word": gettext("room"),
                             "waiting_note": gettext("waiting list, number %(pos)s", pos="{pos}")}
    return known[locale]


def preview(event, texts, audience, person_id=None):
    """How many the reminder reaches, who they are, and each language version of it as one
    of them will read it: the person `person_id` if they are in the audience, else the
    first (samples while nobody is in the audience). Refuses unknown placeholders as saving
    does."""
    rules.check_placeholders(texts)
    people = audience_of(event.id, audience)
    person = next((p for p in people if p.id == person_id), people[0] if people else None)
    shown = []
    for locale in rules.versions(texts):
        with force_locale(locale):
            # The real link is made at delivery; a preview never shows one.
            stand_in = gettext("(their personal link)")
        _locale, subject, body = rules.version_for(texts, locale)
        subject, body = placeholders.fill_reminder(
            subject, body, placeholder_context(event, locale, stand_in, person))
        shown.append({"locale": locale, "subject": subject, "body": body})
    return {"count": len(people), "person": person, "people": people, "versions": shown}
