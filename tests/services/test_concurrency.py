"""No overbooking, ever: many sign-ups at once, each on its own connection."""
import threading

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Registration, SessionChoice
from eventapp.services import booking
from eventapp.util.time import utcnow
from tests.factories import details, make_event

PEOPLE = 50
CAPACITY = 10


def test_fifty_concurrent_sign_ups_fill_ten_seats_and_queue_forty_in_order(app):
    with app.app_context():
        event = make_event(capacities=(CAPACITY,))
        event_id, block_id = event.id, event.blocks[0].id
        session_id = event.blocks[0].sessions[0].id

    start = threading.Barrier(PEOPLE)
    errors = []

    def sign_up(n):
        with app.app_context():
            start.wait()
            try:
                booking.register(event_id, details(n), {block_id: session_id}, "sv", utcnow())
            except Exception as exc:  # any error at all fails the test
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    with app.app_context():
        choices = db.session.scalars(
            select(SessionChoice).where(SessionChoice.session_id == session_id)
        ).all()
        confirmed = [c for c in choices if c.state == "confirmed"]
        waiting = sorted((c for c in choices if c.state == "waiting"), key=lambda c: c.queue_no)
        assert len(confirmed) == CAPACITY
        assert len(waiting) == PEOPLE - CAPACITY
        # Arrival order is the order the database let them in: queue numbers have no gaps,
        # follow the order registrations were written, and every seat went to an earlier one.
        assert [c.queue_no for c in waiting] == list(range(1, PEOPLE - CAPACITY + 1))
        waiting_ids = [c.registration_id for c in waiting]
        assert waiting_ids == sorted(waiting_ids)
        assert max(c.registration_id for c in confirmed) < min(waiting_ids)
        assert db.session.scalar(select(db.func.count(Registration.id))) == PEOPLE


def test_two_concurrent_sign_ups_with_one_address_store_one(app):
    with app.app_context():
        event = make_event(capacities=(10,))
        event_id, block_id = event.id, event.blocks[0].id
        session_id = event.blocks[0].sessions[0].id
    start = threading.Barrier(8)
    outcomes = []

    def sign_up(n):
        with app.app_context():
            start.wait()
            try:
                booking.register(event_id, details(n, email="Same@example.org"),
                                 {block_id: session_id}, "sv", utcnow())
                outcomes.append("ok")
            except Exception as exc:
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["AlreadyRegistered"] * 7 + ["ok"]
