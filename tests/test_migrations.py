"""Migrations that move data or rebuild tables: built on a database of our own at the
revision before, then upgraded (and downgraded) through Flask-Migrate, on SQLite and
PostgreSQL."""
import logging
import logging.config
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from config import TestConfig
from eventapp import create_app
from eventapp.extensions import db
from eventapp.models import (DialogueSession, Event, OutboxMessage, ParallelBlock, Registration,
                             SessionChoice)
from eventapp.services import privacy
from eventapp.util.time import utcnow
from tests.conftest import PG_URL
from tests.factories import make_user, sign_up

BEFORE_COLUMN, WITH_COLUMN = "efc1d29c0950", "e8d049fb484b"
IDS_NEVER_REPEAT = "b7e4d2a9c1f0"

activity = sa.table("activity_entry", sa.column("id", sa.Integer), sa.column("event_id", sa.Integer),
                    sa.column("action", sa.String), sa.column("summary", sa.String),
                    sa.column("details", sa.JSON), sa.column("created_at", sa.DateTime))


@pytest.fixture
def empty_database_url(backend, tmp_path):
    """A database with no tables yet (the template databases are already at head)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrating.sqlite3'}"
        return
    schema = f"eventapp_migrating_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def migrating_app(empty_database_url):
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _insert(model, **values):
    """A row as the code of an older revision wrote it: only the columns the table has at
    the revision the database is at, the model's defaults for the rest (the models are
    today's, and may have columns the old table has not)."""
    table = sa.Table(model.__tablename__, sa.MetaData(), autoload_with=db.engine)
    for column in model.__table__.columns:
        default = column.default
        if column.name not in values and default is not None and default.is_scalar:
            values[column.name] = default.arg
        elif column.name not in values and default is not None and default.is_callable:
            values[column.name] = default.arg(None)
    values = {name: value for name, value in values.items() if name in table.c}
    with db.engine.begin() as conn:
        return conn.execute(table.insert().values(**values)).inserted_primary_key[0]


def _event_as_before():
    """A published event open for sign-up with one block of one session: (event, block, session) ids."""
    from datetime import timedelta

    start = utcnow() + timedelta(days=30)
    event = _insert(Event, slug=f"event-{uuid.uuid4().hex[:8]}", title="Uppstartsdag",
                    starts_at=start, ends_at=start + timedelta(hours=7), status=Event.PUBLISHED)
    block = _insert(ParallelBlock, event_id=event, title="Dialogmöten",
                    starts_at=start + timedelta(hours=3), ends_at=start + timedelta(hours=4))
    session = _insert(DialogueSession, block_id=block, title="Session 1.1", capacity=10)
    return event, block, session


def _sign_up_as_before(event, block, session, n):
    """A registration with its seat and its confirmation in the outbox; its id."""
    email = f"deltagare{n}@example.org"
    registration = _insert(Registration, event_id=event, name=f"Deltagare {n}", email=email,
                           email_key=email)
    _insert(SessionChoice, registration_id=registration, block_id=block, session_id=session,
            state=SessionChoice.CONFIRMED)
    _insert(OutboxMessage, registration_id=registration, kind="confirmation", to_address=email,
            status=OutboxMessage.QUEUED, next_attempt_at=utcnow())
    return registration


def _log_rows():
    """(registration_id or None when there is no such column, details) of every entry."""
    with db.engine.connect() as conn:
        table = sa.Table("activity_entry", sa.MetaData(), autoload_with=conn)
        rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    return [(row.get("registration_id"), row["details"]) for row in rows]


def test_the_person_an_entry_is_about_moves_from_its_details_to_the_column_and_back(migrating_app):
    upgrade(revision=BEFORE_COLUMN)
    event_id, block, session = _event_as_before()
    person_id = _sign_up_as_before(event_id, block, session, 1)
    with db.engine.begin() as conn:
        conn.execute(activity.insert(), [
            {"event_id": event_id, "action": action, "summary": summary, "details": details,
             "created_at": utcnow()}
            for action, summary, details in [
                ("registration.created", "Deltagare 1", {"registration_id": person_id}),
                ("registration.moved", "Deltagare 1", {"registration_id": person_id, "sessions": [3]}),
                ("registration.created", "", {"registration_id": person_id + 1000}),  # long gone
                ("attendees.viewed", "Session 1.1", {"session_id": 3}),
            ]
        ])
    db.session.remove()

    upgrade(revision=WITH_COLUMN)
    assert _log_rows() == [
        (person_id, {}), (person_id, {"sessions": [3]}), (None, {}), (None, {"session_id": 3})]

    downgrade(revision=BEFORE_COLUMN)
    assert _log_rows() == [
        (None, {"registration_id": person_id}), (None, {"registration_id": person_id, "sessions": [3]}),
        (None, {}), (None, {"session_id": 3})]


BEFORE_KEYS, WITH_KEYS = "e8d049fb484b", "175b987c0ca5"


def _stored_as_before(event_id, email, created_minutes_ago, status="active", key=None):
    """A registration as the code before stored it: the address as typed, the key lower-cased."""
    from datetime import timedelta

    from eventapp.models import Registration

    registration = Registration(
        event_id=event_id, name=f"Person {email}", email=email,
        email_key=key or email.strip().lower(), status=status,
        created_at=utcnow() - timedelta(minutes=created_minutes_ago))
    db.session.add(registration)
    db.session.commit()
    return registration.id


def _keys(table):
    with db.engine.connect() as conn:
        return dict(conn.execute(sa.text(f"SELECT id, email_key FROM {table}")).all())


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def email_keys_log(monkeypatch):
    """What the key migration logs. Each upgrade runs alembic's fileConfig, which takes every
    handler off the alembic loggers, so ours goes back on after it."""
    handler, logger = _Lines(), logging.getLogger("alembic.email_keys")
    configure = logging.config.fileConfig

    def configure_then_listen(*args, **kwargs):
        configure(*args, **kwargs)
        logger.addHandler(handler)

    monkeypatch.setattr(logging.config, "fileConfig", configure_then_listen)
    yield handler.lines
    logger.removeHandler(handler)


def test_normalised_keys_keep_both_registrations_that_now_share_one(migrating_app, email_keys_log):
    from eventapp.models import User

    upgrade(revision=BEFORE_KEYS)
    event, other = _event_as_before()[0], _event_as_before()[0]
    older = _stored_as_before(event, "dup@ｅxample.se", 60)
    newer = _stored_as_before(event, "dup@example.se", 30)
    cancelled = _stored_as_before(event, "DUP@example.se", 90, status="cancelled")
    idn = _stored_as_before(other, "anna@xn--bjrred-cua.se", 10)
    walk_in = _stored_as_before(event, "", 5, key="walk-in:6f1c")
    gone = _stored_as_before(other, "anonymiserad", 5, key=f"anonymised:{idn + 99}")
    first_account = User(email="lena@bjärred.se", email_key="lena@bjärred.se", name="Lena",
                         created_at=utcnow())
    db.session.add(first_account)
    db.session.commit()
    second_account = User(email="lena@xn--bjrred-cua.se", email_key="lena@xn--bjrred-cua.se",
                          name="Lena igen", created_at=utcnow())
    db.session.add(second_account)
    db.session.commit()
    accounts = (first_account.id, second_account.id)
    db.session.remove()

    upgrade(revision=WITH_KEYS)
    assert _keys("registration") == {
        older: "dup@example.se",
        newer: f"dup:{newer}:dup@example.se",   # kept beside the older one, nothing deleted
        cancelled: "dup@example.se",
        idn: "anna@bjärred.se",
        walk_in: "walk-in:6f1c",
        gone: f"anonymised:{idn + 99}",
    }
    assert _keys("user_account") == {
        accounts[0]: "lena@bjärred.se", accounts[1]: f"dup:{accounts[1]}:lena@bjärred.se"}
    log = "\n".join(email_keys_log)
    assert f"registrations {newer} of event {event} share an address with registration {older}" in log
    assert f"user accounts {accounts[1]} share an address with account {accounts[0]}" in log
    assert "dup@" not in log and "lena@" not in log  # ids only: logs hold no addresses

    downgrade(revision=BEFORE_KEYS)
    assert _keys("registration") == {
        older: "dup@ｅxample.se", newer: "dup@example.se", cancelled: "dup@example.se",
        idn: "anna@xn--bjrred-cua.se", walk_in: "walk-in:6f1c", gone: f"anonymised:{idn + 99}"}


def _count(model):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_ids_never_repeat_and_the_rebuild_keeps_every_row_and_reference(migrating_app, backend):
    upgrade(revision=f"{IDS_NEVER_REPEAT}-1")
    event, block, session = _event_as_before()
    _sign_up_as_before(event, block, session, 1)
    _sign_up_as_before(event, block, session, 2)
    make_user()
    before = (_count(Registration), _count(SessionChoice), _count(OutboxMessage))
    db.session.remove()

    upgrade(revision=IDS_NEVER_REPEAT)
    assert (_count(Registration), _count(SessionChoice), _count(OutboxMessage)) == before == (2, 2, 2)
    if backend == "sqlite":  # the rebuild ran with foreign keys off; they are on again
        assert db.session.scalar(sa.text("PRAGMA foreign_keys")) == 1
    db.session.rollback()
    db.session.remove()
    upgrade()  # today's code from here on, on today's tables
    privacy.delete_registration(2, utcnow())
    assert sign_up(db.session.get(Event, event), 3).id == 3
