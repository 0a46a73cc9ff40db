"""Transactions you cannot misuse: one per use case, never nested, and a lock that is not
granted in time answers "busy, try again" (503 with Retry-After), never a 500."""
import sqlite3
import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event, select

from eventapp.domain.errors import SessionFull
from eventapp.extensions import db
from eventapp.models import Lead, Registration, SessionChoice, User
from eventapp.services import attendance, programme
from eventapp.services.unit_of_work import NestedTransaction, begin_write, write_transaction
from eventapp.util.time import utcnow
from tests.factories import make_event, make_user
from tests.helpers import row_held, signup_data, text_of


@write_transaction()
def add_lead_named(name):
    db.session.add(Lead(name=name, email=""))


@write_transaction()
def add_lead_then_call(name, inner):
    db.session.add(Lead(name=name, email=""))
    db.session.flush()
    inner()


def lead_names():
    db.session.rollback()
    return sorted(db.session.scalars(select(Lead.name)))


def test_a_write_transaction_inside_another_raises_and_keeps_neither(ctx):
    with pytest.raises(NestedTransaction):
        add_lead_then_call("Yttre", lambda: add_lead_named("Inre"))
    assert lead_names() == []


def test_starting_to_write_inside_a_write_transaction_raises(ctx):
    with pytest.raises(NestedTransaction):
        add_lead_then_call("Yttre", begin_write)
    assert lead_names() == []


def test_write_transactions_one_after_another_each_commit(ctx):
    add_lead_named("Första")
    add_lead_named("Andra")
    assert lead_names() == ["Andra", "Första"]


@contextmanager
def commits_counted():
    """How many COMMITs reach the database while the block runs."""
    engine = db.engine
    seen = []

    def count(_conn):
        seen.append(1)

    event.listen(engine, "commit", count)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", count)


def test_a_walk_in_is_registered_and_checked_in_in_one_transaction(ctx):
    session_id = make_event(capacities=(5,)).blocks[0].sessions[0].id
    lead = make_user(email="ledare@example.org", organiser=False, lead=True)
    with commits_counted() as commits:
        choice = attendance.add_walk_in(session_id, "Dörr Person", "", "Vindelns kommun", lead,
                                        utcnow())
    assert len(commits) == 1
    assert choice.checked_in_at is not None and choice.registration.source == "walk_in"


def test_a_walk_in_refused_for_a_full_session_leaves_nothing_behind(ctx):
    session_id = make_event(capacities=(0,)).blocks[0].sessions[0].id
    lead = make_user(email="ledare@example.org", organiser=False, lead=True)
    with pytest.raises(SessionFull):
        attendance.add_walk_in(session_id, "Dörr Person", "", "Vindelns kommun", lead, utcnow())
    assert db.session.scalars(select(Registration)).all() == []


def test_a_session_saved_with_a_new_lead_makes_the_account_and_the_seat_in_one_transaction(ctx):
    event = make_event(capacities=(5,))
    block = event.blocks[0]
    event_id, block_id, session_id = event.id, block.id, block.sessions[0].id
    organiser = make_user()
    values = {"title": "Session 1.1", "description": "", "room": "Sal A", "capacity": 5,
              "waitlist_enabled": True, "new_leads": [(1, "Nina Ny", "nina@example.org")]}
    with commits_counted() as commits:
        programme.save_session(event_id, block_id, session_id, values, organiser, utcnow())
    assert len(commits) == 1
    user = db.session.scalar(select(User).where(User.email == "nina@example.org"))
    assert user.is_lead and db.session.scalar(select(Lead).where(Lead.user_id == user.id))


# --- lock timeout -----------------------------------------------------------------------


def test_a_writer_waits_ten_seconds_for_a_lock_by_default(ctx, backend):
    if backend == "sqlite":
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10_000
    else:
        assert db.session.execute(sa.text("SHOW lock_timeout")).scalar() == "10s"


def test_a_writer_waiting_for_sqlites_lock_gets_it_once_free_and_keeps_its_timeout(
        ctx, backend, database_url):
    # SQLite: the wait for the write lock is ours (short sleeps), not SQLite's busy handler;
    # the connection's busy timeout is the configured one again afterwards.
    if backend != "sqlite":
        pytest.skip("SQLite's write lock only; PostgreSQL waits in lock_timeout")
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO lead (name, email, organisation) VALUES ('Först', '', '')")
    released = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    released.start()
    try:
        add_lead_named("Sedan")
    finally:
        released.join()
        other.close()
    assert lead_names() == ["Först", "Sedan"]
    assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10_000


def test_a_sign_up_that_waits_too_long_for_a_lock_is_told_to_try_again(
        make_app, inbox, backend, database_url):
    app = make_app(DATABASE_LOCK_TIMEOUT_MS=500)
    client = app.test_client()
    with app.app_context():
        event = make_event(capacities=(5,))
        slug, session_id = event.slug, event.blocks[0].sessions[0].id
        data = signup_data(client, event, name="Väntande Person", discussion_topic="Låsning")
    with row_held(backend, database_url, "dialogue_session", session_id):
        response = client.post(f"/events/{slug}/signup", data=data)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "Försök igen om några sekunder" in text_of(response)
    html = response.get_data(as_text=True)
    assert 'value="Väntande Person"' in html and "Låsning" in html  # nothing typed is lost
    with app.app_context():
        assert db.session.scalars(select(Registration)).all() == []
    # The lock is gone: the same form, sent again, goes through.
    assert client.post(f"/events/{slug}/signup", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(SessionChoice.state)) == "confirmed"


@write_transaction()
def lock_leads_in_turn(first, second):
    for lead_id in (first, second):
        db.session.execute(sa.text("SELECT id FROM lead WHERE id = :id FOR UPDATE"),
                           {"id": lead_id})
    db.session.add(Lead(name="Skriven", email=""))


def test_a_write_transaction_that_postgresql_ends_as_a_deadlock_answers_busy(
        ctx, backend, database_url):
    # Two transactions each wait for a row the other holds (seen in a race of sign-ups while
    # an organiser lifted the event's limit: one held the event's row and waited for a
    # session's, the other held the session and needed the event's row for the registration's
    # foreign key). PostgreSQL ends one; ours answers "busy, try again", never a 500.
    if backend == "sqlite":
        pytest.skip("PostgreSQL only: SQLite has one write lock, so no deadlock")
    from eventapp.domain.errors import Busy

    add_lead_named("Först")
    add_lead_named("Sedan")
    first, second = db.session.scalars(select(Lead.id).order_by(Lead.id)).all()
    engine = sa.create_engine(database_url)
    other = engine.connect()
    other.execute(sa.text("SELECT id FROM lead WHERE id = :id FOR UPDATE"), {"id": second})
    outcome = []

    def other_closes_the_circle():
        try:
            other.execute(sa.text("SELECT id FROM lead WHERE id = :id FOR UPDATE"),
                          {"id": first})
            outcome.append("granted")
        except sa.exc.OperationalError as exc:
            outcome.append(type(exc.orig).__name__)
        other.rollback()

    # Ours waits for `second` first, so PostgreSQL's check (after deadlock_timeout) finds
    # the circle in ours and ends it; the other then gets its row.
    later = threading.Timer(0.3, other_closes_the_circle)
    later.start()
    try:
        with pytest.raises(Busy):
            lock_leads_in_turn(first, second)
    finally:
        later.join()
        other.close()
        engine.dispose()
    assert outcome == ["granted"]
    assert lead_names() == ["Först", "Sedan"]


@pytest.mark.parametrize("first", [True, False], ids=["first in the process", "later"])
def test_a_row_lock_holds_also_the_first_time_a_process_takes_one(ctx, backend, monkeypatch,
                                                                    first):
    """The statement lock_rows keeps for later was FOR UPDATE, but the one it ran the first
    time a process locked a model was not: that lock held nothing (found while testing a
    delete against a sign-up in the same moment, 2 December)."""
    from eventapp.models import DialogueSession
    from eventapp.services import unit_of_work

    if backend == "sqlite":
        pytest.skip("PostgreSQL only: on SQLite the write lock taken at BEGIN covers every row")
    session_id = make_event().blocks[0].sessions[0].id
    if first:
        monkeypatch.setattr(unit_of_work, "_LOCKS", {})  # as in a worker just started
    begin_write()
    try:
        assert session_id in unit_of_work.lock_rows(DialogueSession, [session_id])
        with db.engine.connect() as other, pytest.raises(sa.exc.OperationalError,
                                                         match="could not obtain lock"):
            other.execute(sa.text("SELECT id FROM dialogue_session WHERE id = :id "
                                  "FOR UPDATE NOWAIT"), {"id": session_id})
    finally:
        db.session.rollback()
