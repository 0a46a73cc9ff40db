"""Rankings changed and sign-ups made while the organiser presses "allocate", each on its own
connection: every change is in the allocation or refused with a clear message, never lost."""
import threading

from sqlalchemy import select

from eventapp.domain.errors import RankingClosed
from eventapp.extensions import db
from eventapp.models import AllocationRun, ParallelBlock, Preference, SessionChoice
from eventapp.services import allocation, booking, preferences
from eventapp.util.time import utcnow
from eventapp.web.errors import message_for
from tests.factories import details, make_event

RANKED, NEWCOMERS = 10, 5


def test_rankings_while_allocate_is_pressed_are_in_the_allocation_or_refused(app):
    with app.app_context():
        event = make_event(capacities=(3, 3, 3))
        block = event.blocks[0]
        block.allocation_mode = ParallelBlock.PREFERENCES
        db.session.commit()
        event_id, block_id = event.id, block.id
        ids = [s.id for s in block.sessions]
        people = [booking.register(event_id, details(n), {}, "sv", utcnow(),
                                   rankings={block_id: ids}).id for n in range(RANKED)]
    start = threading.Barrier(RANKED + NEWCOMERS + 1)
    outcomes, lock = {}, threading.Lock()

    def run(key, action):
        with app.app_context():
            start.wait()
            try:
                action()
                result = "ok"
            except RankingClosed as exc:
                with app.test_request_context():
                    result = message_for(exc)
            except Exception as exc:  # anything else fails the test
                result = repr(exc)
            finally:
                db.session.remove()
            with lock:
                outcomes[key] = result

    jobs = [(("change", p), lambda p=p: preferences.change_ranking(
        p, block_id, list(reversed(ids)), utcnow())) for p in people]
    jobs += [(("new", n), lambda n=n: booking.register(
        event_id, details(100 + n), {}, "sv", utcnow(), rankings={block_id: ids[1:]}))
        for n in range(NEWCOMERS)]
    jobs.append((("allocate",), lambda: allocation.request_allocation(block_id, utcnow(), seed=3)))
    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    closed = "Det går inte längre att ändra önskemålen för det här passet. Fördelningen av " \
             "platser har börjat."
    assert set(outcomes.values()) <= {"ok", closed}, outcomes
    assert outcomes[("allocate",)] == "ok"
    assert all(outcomes[("new", n)] == "ok" for n in range(NEWCOMERS))
    with app.app_context():
        for p in people:
            stored = preferences.ranking_of(p, block_id)
            changed = outcomes[("change", p)] == "ok"
            assert stored == (tuple(reversed(ids)) if changed else tuple(ids))
            # A change that went through did so before ranking closed: it is on time.
            assert not any(db.session.scalars(select(Preference.late).where(
                Preference.registration_id == p)))
        allocation.allocate_due(utcnow())
        run = db.session.scalar(select(AllocationRun))
        assert run.status == AllocationRun.PREVIEW
        allocation.publish(run.id, utcnow())
        placed = db.session.scalars(select(SessionChoice.registration_id)).all()
        assert len(placed) == len(set(placed)) == RANKED + NEWCOMERS
