"""Personal data: the retention schedule, a person's copy of their data, and deletion."""
from datetime import timedelta

from sqlalchemy import String, cast, delete, literal, or_, select, update

from ..domain import retention
from ..domain.errors import NotFound
from ..extensions import db
from ..models import ActivityEntry, Event, OutboxMessage, Registration, SessionChoice
from ..models.registration import ANONYMISED_KEY
from ..util.time import shift
from .booking import promote_from_waiting_list
from .changes import record_change
from .preferences import rankings_for
from .unit_of_work import lock_rows, write_transaction

ANONYMOUS = ""
# What identifies a person; the organisation stays, for statistics.
PERSONAL_FIELDS = ("name", "email", "job_title", "dietary_needs", "accessibility_needs",
                   "discussion_topic")


@write_transaction()
def apply_retention(now):
    """Remove what is due: sensitive answers first, then everything that identifies a person.
    Counts per session and per organisation stay for statistics. Safe to run again, and every
    run looks again: personal data found in an event already anonymised goes too."""
    cleared = anonymised = 0
    for event in db.session.scalars(select(Event).where(Event.ends_at < now)).all():
        if retention.sensitive_data_due(event.ends_at, event.sensitive_retention_days, now):
            cleared += db.session.execute(
                update(Registration)
                .where(Registration.event_id == event.id,
                       (Registration.dietary_needs != "") | (Registration.accessibility_needs != ""))
                .values(dietary_needs="", accessibility_needs="")
            ).rowcount
        if retention.anonymisation_due(event.ends_at, event.retention_days, now):
            anonymised += _anonymise_event(event, now)
    return {"sensitive_cleared": cleared, "anonymised": anonymised}


def _anonymise_event(event, now):
    """Anonymise each registration of the event that is not yet, or holds personal data again;
    returns how many. From then on their links answer 410 and take no changes."""
    ids = select(Registration.id).where(Registration.event_id == event.id)
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.registration_id.in_(ids)))
    due = (Registration.event_id == event.id,
           ~Registration.email_key.startswith(ANONYMISED_KEY, autoescape=True) | or_(
               *(getattr(Registration, field) != ANONYMOUS for field in PERSONAL_FIELDS)))
    for registration_id in db.session.scalars(select(Registration.id).where(*due)):
        record_change(event.id, registration_id, "anonymised", now)
    count = db.session.execute(
        update(Registration).where(*due).values(
            **{field: ANONYMOUS for field in PERSONAL_FIELDS},
            email_key=literal(ANONYMISED_KEY) + cast(Registration.id, String),
        )
    ).rowcount
    # Log lines name people in their summary; the action and time stay.
    entries = update(ActivityEntry).where(ActivityEntry.event_id == event.id)
    if event.anonymised_at is not None:
        entries = entries.where(ActivityEntry.summary != "")
    db.session.execute(entries.values(summary="", details={}))
    event.anonymised_at = event.anonymised_at or now
    return count


def personal_data(registration):
    """Everything stored about one person, as plain data (for JSON and the readable page)."""
    messages = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.registration_id == registration.id).order_by(OutboxMessage.id)).all()
    return {
        "event": {"title": registration.event.title, "starts_at": registration.event.starts_at.isoformat() + "Z"},
        "registration": {
            "name": registration.name, "email": registration.email,
            "organisation": registration.organisation, "job_title": registration.job_title,
            "dietary_needs": registration.dietary_needs,
            "accessibility_needs": registration.accessibility_needs,
            "discussion_topic": registration.discussion_topic, "language": registration.locale,
            "status": registration.status, "source": registration.source,
            "registered_at": registration.created_at.isoformat() + "Z",
            "updated_at": registration.updated_at.isoformat() + "Z",
            "cancelled_at": registration.cancelled_at.isoformat() + "Z" if registration.cancelled_at else None,
        },
        "consent": {"version": registration.consent_version,
                    "agreed_at": registration.consented_at.isoformat() + "Z",
                    "text": registration.consent_text},
        "sessions": [
            {"block": c.block.title, "session": c.session.title, "room": c.session.room,
             "place": c.state, "checked_in_at": c.checked_in_at.isoformat() + "Z" if c.checked_in_at else None}
            for c in registration.choices
        ],
        # Rankings of blocks that take wishes (kept after the allocation, for its audit).
        "wishes": [
            {"block": block.title, "sessions": [s.title for s in ranked]}
            for block, ranked in rankings_for([registration.id], awaiting_only=False)
            .get(registration.id, {}).items()
        ],
        "emails": [
            {"kind": m.kind, "to": m.to_address, "status": m.status,
             "queued_at": m.created_at.isoformat() + "Z",
             "sent_at": m.sent_at.isoformat() + "Z" if m.sent_at else None}
            for m in messages
        ],
        "who_sees_it": "the organisers of the event and the leads of the sessions chosen",
        "kept_until": {
            "dietary_and_accessibility_needs": _after(registration.event.ends_at,
                                                      registration.event.sensitive_retention_days),
            "everything_that_identifies_you": _after(registration.event.ends_at,
                                                     registration.event.retention_days),
        },
    }


def _after(moment, days):
    return shift(moment, timedelta(days=days)).isoformat() + "Z"


@write_transaction()
def delete_registration(registration_id, now):
    """The person's right to erasure: free the seat (the waiting list moves up), then remove
    the registration, its messages and the log's mention of the name, at once."""
    registration = lock_rows(Registration, [registration_id]).get(registration_id)
    if registration is None:
        raise NotFound(registration_id)
    event_id = registration.event_id
    held = [c for c in registration.choices if c.state != SessionChoice.CANCELLED]
    from ..models import DialogueSession

    sessions = lock_rows(DialogueSession, {c.session_id for c in held})
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.registration_id == registration.id))
    # The log names the person (summary, details): scrub it while the column still says whom
    # each entry is about; deleting the row then sets that column to NULL (ON DELETE SET NULL).
    db.session.execute(update(ActivityEntry).where(ActivityEntry.registration_id == registration.id)
                       .values(summary="", details={}))
    db.session.delete(registration)
    db.session.flush()
    record_change(event_id, registration_id, "erased", now)
    for session in sessions.values():
        promote_from_waiting_list(session, now)
    return event_id
