"""The change feed's one hook: record_change() notes what happened to a registration inside
the use case's transaction, and the rows are written just before it commits.

Ids must be handed out in commit order, or a reader who saw id 7 could later find a 6 that
committed after it, and skip it. On PostgreSQL each writing transaction takes one advisory
lock (held until commit) just before it inserts its feed rows, so ids follow commit order;
it is taken last, after the row locks of the use case, so it cannot deadlock with them.
SQLite has one writer at a time anyway.
"""
from sqlalchemy import bindparam, event, func, select
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


_FEED_INSERT = RegistrationChange.__table__.insert()
_COLUMNS = ("event_id", "registration_id", "kind", "created_at")
# PostgreSQL: the feed's lock and the insert in one statement (one round trip less per
# change). The lock is a MATERIALIZED CTE the insert reads its one row from, so it is taken
# before the row's id (its sequence's nextval, a default of the insert) is drawn.
_FEED_LOCK = select(func.pg_advisory_xact_lock(FEED_LOCK_KEY).label("locked")).cte(
    "feed_lock").prefix_with("MATERIALIZED")
_LOCKED_FEED_INSERT = _FEED_INSERT.from_select(_COLUMNS, select(
    *(bindparam(name, type_=RegistrationChange.__table__.c[name].type) for name in _COLUMNS)
).select_from(_FEED_LOCK))


@event.listens_for(Session, "before_commit")
def _write_pending_changes(session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()  # the use case's own rows first, with their row locks
    connection = session.connection()
    # Plain INSERTs (no ORM unit of work): nothing reads these rows back in this session.
    statement = _LOCKED_FEED_INSERT if connection.dialect.name == "postgresql" else _FEED_INSERT
    connection.execute(statement, [dict(zip(_COLUMNS, change)) for change in pending])


@event.listens_for(Session, "after_rollback")
def _forget_pending_changes(session):
    session.info.pop(_PENDING, None)
