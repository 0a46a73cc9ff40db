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
from eventapp.models import OutboxMessage, Registration, SessionChoice
from eventapp.services import privacy
from eventapp.util.time import utcnow
from tests.conftest import PG_URL
from tests.factories import details, make_event, make_user, sign_up


def sign_up_before_the_feed(event, n):
    """A sign-up as the booking service made it before the change feed existed (its table is
    not there at these revisions): the registration, its seat and its confirmation."""
    from eventapp.services.booking import _detail_values
    from eventapp.services.outbox import enqueue

    now = utcnow()
    person = details(n)
    registration = Registration(event_id=event.id, email_key=person.email, created_at=now,
                                updated_at=now, **_detail_values(person))
    block = event.blocks[0]
    registration.choices = [SessionChoice(block_id=block.id, session_id=block.sessions[0].id,
                                          state=SessionChoice.CONFIRMED)]
    db.session.add(registration)
    db.session.flush()
    enqueue("confirmation", registration, now)
    db.session.commit()
    return registration

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


def _log_rows():
    """(registration_id or None when there is no such column, details) of every entry."""
    with db.engine.connect() as conn:
        table = sa.Table("activity_entry", sa.MetaData(), autoload_with=conn)
        rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    return [(row.get("registration_id"), row["details"]) for row in rows]


def test_the_person_an_entry_is_about_moves_from_its_details_to_the_column_and_back(migrating_app):
    upgrade(revision=BEFORE_COLUMN)
    # Event and registration through the factories (their tables are the same at both revisions).
    event = make_event(capacities=(5,))
    person = sign_up_before_the_feed(event, 1)
    with db.engine.begin() as conn:
        conn.execute(activity.insert(), [
            {"event_id": event.id, "action": action, "summary": summary, "details": details,
             "created_at": utcnow()}
            for action, summary, details in [
                ("registration.created", "Deltagare 1", {"registration_id": person.id}),
                ("registration.moved", "Deltagare 1", {"registration_id": person.id, "sessions": [3]}),
                ("registration.created", "", {"registration_id": person.id + 1000}),  # long gone
                ("attendees.viewed", "Session 1.1", {"session_id": 3}),
            ]
        ])
    db.session.remove()

    upgrade(revision=WITH_COLUMN)
    assert _log_rows() == [
        (person.id, {}), (person.id, {"sessions": [3]}), (None, {}), (None, {"session_id": 3})]

    downgrade(revision=BEFORE_COLUMN)
    assert _log_rows() == [
        (None, {"registration_id": person.id}), (None, {"registration_id": person.id, "sessions": [3]}),
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
    event, other = make_event().id, make_event().id
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
    event = make_event()
    sign_up_before_the_feed(event, 1)
    sign_up_before_the_feed(event, 2)
    make_user()
    before = (_count(Registration), _count(SessionChoice), _count(OutboxMessage))
    db.session.remove()

    upgrade(revision=IDS_NEVER_REPEAT)
    assert (_count(Registration), _count(SessionChoice), _count(OutboxMessage)) == before == (2, 2, 2)
    if backend == "sqlite":  # the rebuild ran with foreign keys off; they are on again
        assert db.session.scalar(sa.text("PRAGMA foreign_keys")) == 1
    db.session.rollback()
    upgrade()  # the services below write the change feed, which later revisions add
    privacy.delete_registration(2, utcnow())
    assert sign_up(db.session.merge(event), 3).id == 3
