"""Transactions you cannot misuse: one per use case, never nested."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from eventapp.domain.errors import SessionFull
from eventapp.extensions import db
from eventapp.models import Lead, Registration, User
from eventapp.services import attendance, events as event_service
from eventapp.services.unit_of_work import NestedTransaction, begin_write, write_transaction
from eventapp.util.time import utcnow
from tests.factories import make_event, make_user


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


def test_inviting_a_lead_makes_the_account_and_the_seat_in_one_transaction(ctx):
    event = make_event(capacities=(5,))
    event_id, session_id = event.id, event.blocks[0].sessions[0].id
    organiser = make_user()
    with commits_counted() as commits:
        event_service.add_lead(event_id, session_id, "Nina Ny", "nina@example.org", organiser,
                               utcnow())
    assert len(commits) == 1
    user = db.session.scalar(select(User).where(User.email == "nina@example.org"))
    assert user.is_lead and db.session.scalar(select(Lead).where(Lead.user_id == user.id))
