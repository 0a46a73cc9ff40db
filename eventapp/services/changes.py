"""The change feed's one hook: record_change() notes what happened to a registration inside
the use case's transaction, and the rows are written just before it commits.

Ids must be handed out in commit order, or a reader who saw id 7 could later find a 6 that
committed after it, and skip it. On PostgreSQL each writing transaction takes one advisory
lock (held until commit) just before it inserts its feed rows, so ids follow commit order;
it is taken last, after the row locks of the use case, so it cannot deadlock with them.
SQLite has one writer at a time anyway.
"""
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import RegistrationChange

_PENDING = "eventapp.pending_changes"
# Any constant of our own: the key of the feed's advisory lock.
FEED_LOCK_KEY = 0x45564150  # "EVAP"


def record_change(event_id, registration_id, kind, now):
    """A change to one registration, to be written with the transaction (in its order)."""
    if kind not in RegistrationChange.KINDS:
        raise ValueError(kind)
    db.session.info.setdefault(_PENDING, []).append((event_id, registration_id, kind, now))


@event.listens_for(Session, "before_commit")
def _write_pending_changes(session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()  # the use case's own rows first, with their row locks
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK_KEY})
    # A plain INSERT (no ORM unit of work): nothing reads these rows back in this session.
    session.connection().execute(RegistrationChange.__table__.insert(), [
        {"event_id": event_id, "registration_id": registration_id, "kind": kind,
         "created_at": now}
        for event_id, registration_id, kind, now in pending
    ])


@event.listens_for(Session, "after_rollback")
def _forget_pending_changes(session):
    session.info.pop(_PENDING, None)
