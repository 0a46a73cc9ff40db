"""The organiser's use cases for a whole event: create, publish, close, cancel, clone."""
import re
import unicodedata

from sqlalchemy import func, select

from ..domain import capacity, lifecycle
from ..extensions import db
from ..models import DialogueSession, Event, ParallelBlock, ProgrammeItem, Registration
from .activity import log_activity
from .outbox import enqueue
from .reminders import ensure_automatic_reminder
from .unit_of_work import lock_rows, write_transaction

EVENT_FIELDS = (
    "title", "content_language", "summary", "description", "venue", "address", "starts_at", "ends_at",
    "signup_opens_at", "signup_closes_at", "capacity", "contact_name", "contact_email",
    "contact_phone", "retention_days", "sensitive_retention_days", "reminder_days_before",
)
ASKABLE_FIELDS = ("organisation", "job_title", "dietary_needs", "accessibility_needs",
                  "discussion_topic")
DEFAULT_FIELD_SETTINGS = {
    "organisation": "required",
    "job_title": "optional",
    "dietary_needs": "optional",
    "accessibility_needs": "optional",
    "discussion_topic": "optional",
}


def field_setting(event, field):
    return (event.field_settings or {}).get(field, DEFAULT_FIELD_SETTINGS[field])


def slugify(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "event"


def _unique_slug(title):
    base, n = slugify(title), 1
    slug = base
    while db.session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply_event_values(event, values):
    for field in EVENT_FIELDS:
        if field in values:
            setattr(event, field, values[field])
    if "field_settings" in values:
        event.field_settings = {f: values["field_settings"].get(f, DEFAULT_FIELD_SETTINGS[f])
                                for f in ASKABLE_FIELDS}
    if "privacy_text" in values and (values["privacy_text"] or "") != (event.privacy_text or ""):
        event.privacy_text = values["privacy_text"]
        # People who agreed to the earlier text keep that version on their registration.
        event.privacy_version = (event.privacy_version or 0) + 1


@write_transaction()
def create_event(values, actor, now):
    event = Event(slug=_unique_slug(values["title"]), status=Event.DRAFT, created_at=now,
                  updated_at=now, privacy_version=0, field_settings=dict(DEFAULT_FIELD_SETTINGS))
    _apply_event_values(event, values)
    event.privacy_version = max(event.privacy_version, 1)
    db.session.add(event)
    db.session.flush()
    ensure_automatic_reminder(event, now)
    log_activity(event.id, actor, "event.created", event.title, now)
    return event


@write_transaction()
def update_event(event_id, values, actor, now):
    # Sign-ups under way are waited for before the limit is checked: each holds its sessions
    # locked until it commits (one into an event without sessions holds the event's row
    # FOR SHARE). The event's row first, as a sign-up under a limit takes it; NO KEY UPDATE
    # so that a sign-up's foreign key check on it never waits for this (no deadlock). A
    # sign-up that comes after waits, then finds the event changed and reads it again.
    event = lock_rows(Event, [event_id], key_kept=True)[event_id]
    lock_rows(DialogueSession, [s.id for block in event.blocks for s in block.sessions])
    _apply_event_values(event, values)
    event.updated_at = now
    ensure_automatic_reminder(event, now)
    if event.capacity is not None:
        capacity.ensure_capacity_allowed(event.capacity, _active_count(event.id))
    log_activity(event.id, actor, "event.edited", event.title, now)
    return event


@write_transaction()
def change_status(event_id, action, actor, now):
    """publish, close, reopen, cancel or unpublish (back to draft while nobody has signed
    up); cancelling tells everyone registered by email."""
    event = lock_rows(Event, [event_id], key_kept=True)[event_id]  # see update_event
    # A sign-up holds its session rows locked until it commits: taking them here first means
    # one that is under way is counted (unpublish) and told (cancel), not left behind.
    lock_rows(DialogueSession, [s.id for block in event.blocks for s in block.sessions])
    signed_up = 0
    if action == "unpublish":
        signed_up = _active_count(event.id)
    event.status = lifecycle.next_status(event.status, action, signed_up)
    event.updated_at = now
    if action == "cancel":
        for registration in _active_registrations(event.id):
            registration.ics_sequence += 1
            enqueue("event_cancelled", registration, now, sequence=registration.ics_sequence)
    log_activity(event.id, actor, f"event.{action}", event.title, now)
    return event


@write_transaction()
def delete_draft(event_id, actor, now):
    event = lock_rows(Event, [event_id])[event_id]
    lifecycle.ensure_deletable(event.status)
    log_activity(None, actor, "event.deleted", event.title, now, slug=event.slug)
    db.session.delete(event)


@write_transaction()
def clone_event(event_id, actor, now, title):
    """A new draft with the same programme, sessions, leads and settings; no registrations."""
    source = db.session.get(Event, event_id)
    copy = Event(slug=_unique_slug(title), title=title, status=Event.DRAFT, created_at=now,
                 updated_at=now)
    for field in EVENT_FIELDS + ("privacy_text", "privacy_version", "field_settings"):
        if field != "title":
            setattr(copy, field, getattr(source, field))
    with db.session.no_autoflush:
        _copy_programme(source, copy)
    db.session.add(copy)
    db.session.flush()
    ensure_automatic_reminder(copy, now)
    log_activity(copy.id, actor, "event.cloned", copy.title, now, source=source.slug)
    return copy


def _copy_programme(source, copy):
    copy.programme_items = [
        ProgrammeItem(title=i.title, description=i.description, speakers=i.speakers,
                      starts_at=i.starts_at, ends_at=i.ends_at)
        for i in source.programme_items
    ]
    for block in source.blocks:
        new_block = ParallelBlock(title=block.title, starts_at=block.starts_at, ends_at=block.ends_at)
        for s in block.sessions:
            new_session = DialogueSession(title=s.title, description=s.description, room=s.room,
                                          capacity=s.capacity, waitlist_enabled=s.waitlist_enabled,
                                          position=s.position)
            new_session.leads = list(s.leads)
            new_block.sessions.append(new_session)
        copy.blocks.append(new_block)


def _active_count(event_id):
    return db.session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == event_id, Registration.status == Registration.ACTIVE))


def _active_registrations(event_id):
    return db.session.scalars(select(Registration).where(
        Registration.event_id == event_id, Registration.status == Registration.ACTIVE)).all()


@write_transaction(keep_loaded=True)
def log_export(event_id, actor, fmt, rows, now, session_id=None):
    """Exports hold personal data: each one is written to the event's activity log."""
    log_activity(event_id, actor, "export", fmt, now, rows=rows, session_id=session_id)


@write_transaction(keep_loaded=True)
def log_access(event_id, actor, action, summary, now, **details):
    """Looking at an attendee list is access to personal data: it goes in the activity log."""
    log_activity(event_id, actor, action, summary, now, **details)
