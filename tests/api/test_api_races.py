"""Races the API must survive: registrations through the API against the web form for the
same seats, and a reader of the change feed while two transactions commit out of order."""
import threading
import time

import pytest
from sqlalchemy import select, text

from eventapp.extensions import db
from eventapp.models import SessionChoice
from eventapp.services import booking, changes, unit_of_work
from eventapp.util.time import utcnow
from tests.api.conftest import bearer, issue, staff
from tests.factories import details, make_event
from tests.helpers import signup_data

PER_SIDE = 8
SEATS = 5


def test_api_and_web_form_racing_for_the_same_seats_never_overbook_nor_fail(app):
    with app.app_context():
        event = make_event(capacities=(SEATS,), waitlist=False)
        event_id, slug = event.id, event.slug
        block_id, session_id = event.blocks[0].id, event.blocks[0].sessions[0].id
        secret = issue(staff("racer@example.org", "Rita Racer", organiser=True), "organiser",
                       [event_id], write=True)
        forms = []
        for n in range(PER_SIDE):
            client = app.test_client()
            forms.append((client, signup_data(client, event, n=100 + n)))
    start = threading.Barrier(2 * PER_SIDE)
    statuses = []

    def by_api(n):
        client = app.test_client()
        start.wait()
        response = client.post(f"/api/v1/events/{event_id}/registrations", headers=bearer(secret),
                               json={"name": f"API {n}", "email": f"api{n}@example.org",
                                     "choices": [{"block_id": block_id, "session_id": session_id}]})
        statuses.append(("api", response.status_code))

    def by_form(client, data):
        start.wait()
        statuses.append(("web", client.post(f"/events/{slug}/signup", data=data).status_code))

    threads = [threading.Thread(target=by_api, args=(n,)) for n in range(PER_SIDE)]
    threads += [threading.Thread(target=by_form, args=pair) for pair in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(statuses) == 2 * PER_SIDE
    assert all(status < 500 for _, status in statuses), statuses
    with app.app_context():
        seated = db.session.scalar(select(db.func.count(SessionChoice.id)).where(
            SessionChoice.session_id == session_id, SessionChoice.state == "confirmed"))
    accepted = [s for s in statuses if s in (("api", 201), ("web", 302))]
    assert seated == SEATS == len(accepted)


def test_a_feed_reader_never_skips_a_change_that_commits_after_a_later_id(app, backend):
    """Two writers: the first takes its change id, then waits before committing; the second
    commits meanwhile. Without ids in commit order a reader would see the second's id, move
    its cursor past it, and never see the first's."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: ids are in commit order by nature")
    with app.app_context():
        event = make_event(capacities=(10, 10))
        event_id, block_id = event.id, event.blocks[0].id
        first_session, second_session = (s.id for s in event.blocks[0].sessions)
    first_inserting, seen = threading.Event(), []

    def slow_writer():
        with app.app_context():
            unit_of_work.begin_write()
            booking.register_in_transaction(event_id, details(1), {block_id: first_session},
                                            "sv", utcnow())
            db.session.flush()
            # What the commit hook does first (take the feed's id), then a slow commit.
            changes._write_pending_changes(db.session())
            first_inserting.set()
            time.sleep(0.5)
            db.session.commit()
            db.session.remove()

    def fast_writer():
        first_inserting.wait(10)
        with app.app_context():
            booking.register(event_id, details(2), {block_id: second_session}, "sv", utcnow())
            db.session.remove()

    def reader():
        first_inserting.wait(10)
        cursor, ids = 0, []
        with app.app_context():
            from eventapp.services.api_queries import changes_page

            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and len(ids) < 2:
                rows, _registrations, _more = changes_page(event_id, cursor)
                ids += [row.id for row in rows]
                cursor = rows[-1].id if rows else cursor
                db.session.rollback()
                time.sleep(0.02)
        seen.append(ids)

    threads = [threading.Thread(target=f) for f in (slow_writer, fast_writer, reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with app.app_context():
        written = db.session.scalars(text("SELECT id FROM registration_change")).all()
    assert len(written) == 2 and seen == [sorted(written)]
