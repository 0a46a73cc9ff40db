"""The activity log: written inside the transaction of the change it describes, and read
per person by the indexed registration_id (never by loading an event's whole log)."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ActivityEntry

VIEWED = "registration.viewed"


def log_activity(event_id, actor, action, summary, now, registration_id=None, **details):
    """`registration_id` (the person the entry is about) is a column, not part of `details`:
    the registration page and erasure find a person's entries by it through an index."""
    db.session.add(ActivityEntry(
        event_id=event_id,
        user_id=getattr(actor, "id", None),
        registration_id=registration_id,
        action=action,
        summary=(summary or "")[:500],
        details=details,
        created_at=now,
    ))


def history_of(registration_id):
    """What was done to one registration, newest first, with who did it (one query). Looks
    at the registration are in the event's log, not in its history."""
    return db.session.scalars(
        select(ActivityEntry).options(joinedload(ActivityEntry.user))
        .where(ActivityEntry.registration_id == registration_id,
               ActivityEntry.action != VIEWED)
        .order_by(ActivityEntry.created_at.desc(), ActivityEntry.id.desc())
    ).all()
