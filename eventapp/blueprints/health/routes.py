"""Probes for process managers and load balancers: /healthz (alive) and /readyz (can serve).

/readyz is ready when the database answers and its schema is at the migrations' head; it also
reports the outbox backlog (queued messages and the age of the oldest) for monitoring, without
letting it decide readiness: a web process cannot deliver mail, so taking it out helps nobody.
"""
import functools
import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from ...extensions import db
from ...models import OutboxMessage
from ...util.time import utcnow
from ...web.access import access

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=None)
def code_heads(directory):
    """The head revision(s) of the migrations folder: the code on disk, read once."""
    # Alembic (with Mako) is megabytes a worker needs only here, and only once.
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(directory).get_heads())


@bp.get("/healthz")
@access("public")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
@access("public")
def readyz():
    expected = code_heads(current_app.extensions["migrate"].directory)
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = _database_heads(conn)
            if current != expected:
                return _not_ready(
                    "database schema is not at the migrations' head: run `flask db upgrade`",
                    migrations={"database": sorted(current), "code": sorted(expected)},
                )
            queued, oldest = conn.execute(
                select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))
                .where(OutboxMessage.status == OutboxMessage.QUEUED)
            ).one()
    except (SQLAlchemyError, OSError) as exc:
        log.warning("readyz: database does not answer: %s", exc)
        return _not_ready(f"database does not answer ({type(exc).__name__})")
    return jsonify(
        status="ready",
        database="ok",
        migrations={"database": sorted(current), "code": sorted(expected)},
        outbox={
            "queued": queued,
            "oldest_queued_seconds": round((utcnow() - oldest).total_seconds(), 1) if oldest else None,
        },
    )


def _database_heads(conn):
    """The revision(s) recorded in alembic_version; none when migrations never ran."""
    try:
        with conn.begin_nested():
            return frozenset(conn.scalars(text("SELECT version_num FROM alembic_version")))
    except (ProgrammingError, OperationalError):  # no such table
        return frozenset()


def _not_ready(reason, **details):
    return jsonify(status="not ready", reason=reason, **details), 503
