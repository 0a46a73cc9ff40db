"""Sign-up POSTs made from this process's copy of the programme (PAGE_CACHE_SECONDS > 0, as
deployed): whatever the organiser changed after the copy was read is what counts, and the
shared copy itself is never changed."""
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from eventapp.domain import errors, signup
from eventapp.extensions import db
from eventapp.models import (DialogueSession, Event, OutboxMessage, ParallelBlock,
                              Registration, SessionChoice)
from eventapp.services import booking, queries
from eventapp.util.time import utcnow
from eventapp.web import pagecache
from tests.factories import details, make_event
from tests.helpers import CSRF, signup_data, text_of


@pytest.fixture
def cached_app(make_app, inbox):
    app = make_app(PAGE_CACHE_SECONDS=60)
    pagecache.clear()
    yield app
    pagecache.clear()


def _sign_up(app, slug, n, session_id, block_id, **fields):
    """Person n sends the form (their own browser: cookie and token from the page)."""
    client = app.test_client()
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        data = signup_data(client, event, n, **{f"block_{block_id}": str(session_id)},
                           **fields)
    return client.post(f"/events/{slug}/signup", data=data)


def _stored(app, email):
    with app.app_context():
        registration = db.session.scalar(select(Registration).where(Registration.email == email))
        if registration is None:
            return None
        choices = [(c.session_id, c.state, c.queue_no) for c in registration.choices]
        mails = db.session.scalars(select(OutboxMessage.kind).where(
            OutboxMessage.registration_id == registration.id)).all()
        return choices, mails


def _event_with_one_sign_up(app):
    """An open event with one session of 10 seats, and person 1 signed up to it (which reads
    the copy of its programme): (slug, block id, session id)."""
    with app.app_context():
        event = make_event(capacities=(10,))
        slug, block, seat = event.slug, event.blocks[0].id, event.blocks[0].sessions[0].id
    assert _sign_up(app, slug, 1, seat, block).status_code == 302
    return slug, block, seat


def _copy(slug):
    return pagecache.shared(("programme", slug), lambda: None)


def test_sign_ups_made_from_the_copy_are_stored_and_leave_the_shared_copy_as_it_was(
        cached_app, monkeypatch):
    with cached_app.app_context():
        event = make_event(capacities=(1,))
        slug, block, seat = event.slug, event.blocks[0].id, event.blocks[0].sessions[0].id
    # A form with an error (no consent): it reads the copy, and nothing is stored.
    assert _sign_up(cached_app, slug, 0, seat, block, consent="").status_code == 400
    # From here on a POST that read the programme again would fail.
    loads = queries.public_event

    def no_reading_again(slug, load="programme"):
        assert load != "sessions", "a sign-up POST read the programme again"
        return loads(slug, load)

    monkeypatch.setattr(queries, "public_event", no_reading_again)
    for n in (1, 2):
        response = _sign_up(cached_app, slug, n, seat, block)
        assert response.status_code == 302, text_of(response)
    assert _stored(cached_app, "deltagare1@example.org") == (
        [(seat, SessionChoice.CONFIRMED, None)], ["confirmation"])
    assert _stored(cached_app, "deltagare2@example.org") == (
        [(seat, SessionChoice.WAITING, 1)], ["confirmation"])
    with cached_app.app_context():
        assert db.session.get(DialogueSession, seat).waiting_seq == 1
    copy = _copy(slug)
    assert copy is not None and inspect(copy).detached
    kept = copy.blocks[0].sessions[0]
    assert inspect(kept).detached and kept.waiting_seq == 0  # never told, never attached


def test_sign_up_closed_after_the_copy_was_read_is_refused(cached_app):
    slug, block, seat = _event_with_one_sign_up(cached_app)
    with cached_app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        event.signup_closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert signup.signup_state(signup.EventWindow.of(_copy(slug)), utcnow()) == signup.OPEN
    response = _sign_up(cached_app, slug, 2, seat, block)
    assert response.status_code == 400
    assert "Anmälan till det här evenemanget är stängd" in text_of(response)
    assert _stored(cached_app, "deltagare2@example.org") is None


def test_a_session_removed_after_the_copy_was_read_is_not_booked(cached_app):
    with cached_app.app_context():
        event = make_event(capacities=(10, 10))
        slug, block = event.slug, event.blocks[0].id
        kept, removed = (s.id for s in event.blocks[0].sessions)
    assert _sign_up(cached_app, slug, 1, kept, block).status_code == 302
    with cached_app.app_context():
        db.session.delete(db.session.get(DialogueSession, removed))
        db.session.commit()
    response = _sign_up(cached_app, slug, 2, removed, block)
    assert response.status_code == 400
    assert _stored(cached_app, "deltagare2@example.org") is None
    # The page shows the programme as it is now, with what the person typed.
    assert "Deltagare 2" in response.get_data(as_text=True)


def test_a_session_moved_to_another_block_after_the_copy_was_read_is_not_booked_in_the_old(
        cached_app):
    with cached_app.app_context():
        event = make_event(capacities=(10, 10), blocks=2)
        slug = event.slug
        first, second = event.blocks
        moved = first.sessions[1].id
        first_id, second_id, other = first.id, second.id, second.sessions[0].id
    data = {}
    client = cached_app.test_client()
    with cached_app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        data = signup_data(client, event, 1, **{f"block_{second_id}": str(other)})
    assert client.post(f"/events/{slug}/signup", data=data).status_code == 302
    with cached_app.app_context():
        db.session.get(DialogueSession, moved).block_id = second_id
        db.session.commit()
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        client = cached_app.test_client()
        data = signup_data(client, event, 2, **{f"block_{first_id}": str(moved),
                                                 f"block_{second_id}": str(other)})
    response = client.post(f"/events/{slug}/signup", data=data)
    assert response.status_code == 400
    assert _stored(cached_app, "deltagare2@example.org") is None


def test_a_session_added_after_the_copy_was_read_can_be_chosen_at_once(cached_app):
    slug, block, seat = _event_with_one_sign_up(cached_app)
    with cached_app.app_context():
        added = DialogueSession(block_id=block, title="Nytt dialogmöte", capacity=5,
                                room="Sal B")
        db.session.add(added)
        db.session.commit()
        added_id = added.id
    response = _sign_up(cached_app, slug, 2, added_id, block)
    assert response.status_code == 302, text_of(response)
    assert _stored(cached_app, "deltagare2@example.org")[0] == [
        (added_id, SessionChoice.CONFIRMED, None)]


def test_an_event_limit_set_after_the_copy_was_read_holds(cached_app):
    slug, block, seat = _event_with_one_sign_up(cached_app)
    with cached_app.app_context():
        db.session.scalar(select(Event).where(Event.slug == slug)).capacity = 1
        db.session.commit()
    response = _sign_up(cached_app, slug, 2, seat, block)
    assert response.status_code == 409
    assert "Evenemanget är fullt" in text_of(response)
    assert _stored(cached_app, "deltagare2@example.org") is None


def test_a_refusal_made_on_the_copy_is_shown_as_refused_and_nothing_more_is_stored(
        cached_app, monkeypatch):
    slug, block, seat = _event_with_one_sign_up(cached_app)
    bookings = []
    register = booking.register
    monkeypatch.setattr(booking, "register", lambda *a, **k: bookings.append(k) or register(
        *a, **k))
    again = _sign_up(cached_app, slug, 1, seat, block)
    assert len(bookings) == 1 and bookings[0]["programme"] is not None  # refused once, kept
    assert again.status_code == 409
    assert "redan anmäld" in text_of(again)
    with cached_app.app_context():
        assert db.session.scalar(select(db.func.count(Registration.id))) == 1
        assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 1


def test_booking_from_a_copy_that_no_longer_matches_raises_and_writes_nothing(ctx):
    event = make_event(capacities=(10, 10), blocks=2)
    slug, first, second = event.slug, event.blocks[0].id, event.blocks[1].id
    moved = event.blocks[0].sessions[1].id
    other = event.blocks[1].sessions[0].id
    copy = queries.programme_copy(slug)
    db.session.get(DialogueSession, moved).block_id = second
    db.session.commit()
    with pytest.raises(booking.ProgrammeChanged):
        booking.register(copy.id, details(1), {first: moved, second: other}, "sv", utcnow(),
                         programme=copy)
    assert db.session.scalar(select(db.func.count(Registration.id))) == 0
    # What still matches books as usual, and the copy is left as it was.
    booking.register(copy.id, details(2), {first: event.blocks[0].sessions[0].id,
                                           second: other}, "sv", utcnow(), programme=copy)
    assert db.session.scalar(select(db.func.count(Registration.id))) == 1
    assert inspect(copy).detached
    assert [s.id for s in copy.blocks[0].sessions] == [event.blocks[0].sessions[0].id, moved]


def test_an_event_without_parallel_sessions_is_checked_against_the_database_too(cached_app):
    with cached_app.app_context():
        slug = make_event(blocks=0).slug

    def post(n):
        client = cached_app.test_client()
        page = client.get(f"/events/{slug}/signup").get_data(as_text=True)
        token = CSRF.search(page).group(1)
        return client.post(f"/events/{slug}/signup", data={
            "csrf_token": token, "name": f"Deltagare {n}", "email": f"deltagare{n}@example.org",
            "organisation": "Lycksele kommun", "consent": "y"})

    assert post(1).status_code == 302
    assert _stored(cached_app, "deltagare1@example.org") == ([], ["confirmation"])
    with cached_app.app_context():
        db.session.scalar(select(Event).where(Event.slug == slug)).status = Event.CLOSED
        db.session.commit()
    refused = post(2)
    assert refused.status_code == 400
    assert "Anmälan till det här evenemanget är stängd" in text_of(refused)
    assert _stored(cached_app, "deltagare2@example.org") is None


def test_questions_switched_off_or_made_required_after_the_copy_was_read_count_at_once(
        cached_app):
    slug, block, seat = _event_with_one_sign_up(cached_app)
    with cached_app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        event.field_settings = {**event.field_settings, "dietary_needs": "off",
                                "job_title": "required"}
        db.session.commit()
    client = cached_app.test_client()
    with cached_app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        data = signup_data(client, event, 2, **{f"block_{block}": str(seat)})
    data.update(dietary_needs="Celiaki", job_title="")
    refused = client.post(f"/events/{slug}/signup", data=data)
    assert refused.status_code == 400  # the job title is required now
    assert _stored(cached_app, "deltagare2@example.org") is None
    data.update(job_title="Arkivarie")
    assert client.post(f"/events/{slug}/signup", data=data).status_code == 302
    with cached_app.app_context():
        stored = db.session.scalar(select(Registration).where(
            Registration.email == "deltagare2@example.org"))
        assert (stored.dietary_needs, stored.job_title) == ("", "Arkivarie")  # not asked


def test_a_block_added_after_the_copy_was_read_must_be_chosen_too(cached_app):
    slug, block, seat = _event_with_one_sign_up(cached_app)
    with cached_app.app_context():
        starts = db.session.get(ParallelBlock, block).starts_at
    with cached_app.app_context():
        added = ParallelBlock(event_id=db.session.scalar(select(Event.id).where(
            Event.slug == slug)), title="Dialogmöten 2", starts_at=starts + timedelta(hours=2),
            ends_at=starts + timedelta(hours=3))
        added.sessions = [DialogueSession(title="Nytt", capacity=5, room="Sal C")]
        db.session.add(added)
        db.session.commit()
    response = _sign_up(cached_app, slug, 2, seat, block)  # nothing chosen in the new block
    assert response.status_code == 400
    assert _stored(cached_app, "deltagare2@example.org") is None


def test_a_first_session_added_to_an_empty_block_after_the_copy_was_read_must_be_chosen(
        cached_app):
    """A block without sessions is not asked (capacity.validate_choices); its first session,
    added after the copy was read, makes it asked at once, also when another session is
    deleted in the same moment, so the event has as many sessions as before (red team,
    2 December)."""
    from eventapp.models import User
    from eventapp.services import programme
    from tests.factories import make_user

    with cached_app.app_context():
        event = make_event(capacities=(10, 5))
        slug, block = event.slug, event.blocks[0].id
        seat, spare = (s.id for s in event.blocks[0].sessions)
        make_user()
        added = programme.save_block(event.id, None, {
            "title": "Dialogmöten 2", "starts_at": event.starts_at + timedelta(hours=6),
            "ends_at": event.starts_at + timedelta(hours=7)},
            db.session.scalar(select(User)), utcnow()).id
    assert _sign_up(cached_app, slug, 1, seat, block).status_code == 302  # (reads the copy)
    assert [b.id for b in _copy(slug).blocks][-1] == added and not _copy(slug).blocks[-1].sessions
    with cached_app.app_context():
        organiser = db.session.scalar(select(User))
        event_id = db.session.scalar(select(Event.id).where(Event.slug == slug))
        programme.delete_session(event_id, spare, organiser, utcnow())
        programme.save_session(event_id, added, None, {
            "title": "Nytt", "description": "", "room": "Sal C", "capacity": 5,
            "waitlist_enabled": True, "remove_lead_ids": [], "new_leads": []},
            organiser, utcnow())
    response = _sign_up(cached_app, slug, 2, seat, block)  # nothing chosen in that block
    assert response.status_code == 400
    assert "Dialogmöten 2: Välj ett dialogmöte." in text_of(response)
    assert _stored(cached_app, "deltagare2@example.org") is None


def test_a_booking_from_the_event_as_the_page_read_it_is_checked_after_the_locks_too(ctx):
    """Without a copy the booking is made from the event the page loaded a moment before the
    locks; what changed in between counts too (red team, 2 December: a session deleted in
    that moment gave a 500, a limit set in it was passed by one)."""
    from sqlalchemy import delete, update

    event = make_event(capacities=(10, 10))
    block, (kept, deleted) = event.blocks[0].id, [s.id for s in event.blocks[0].sessions]
    assert [s.id for s in event.blocks[0].sessions] == [kept, deleted]  # (loaded, as a page does)
    with db.engine.begin() as other:  # the organiser, in the same moment
        other.execute(delete(DialogueSession).where(DialogueSession.id == deleted))
    with pytest.raises(booking.ProgrammeChanged):
        booking.register(event.id, details(1), {block: deleted}, "sv", utcnow())
    assert db.session.scalar(select(db.func.count(Registration.id))) == 0

    event = db.session.get(Event, event.id)
    assert event.capacity is None and event.blocks[0].sessions  # loaded again
    with db.engine.begin() as other:
        other.execute(update(Event).where(Event.id == event.id).values(
            capacity=0, updated_at=utcnow()))
    with pytest.raises(booking.ProgrammeChanged):
        booking.register(event.id, details(2), {block: kept}, "sv", utcnow())
    assert db.session.scalar(select(db.func.count(Registration.id))) == 0
    with pytest.raises(errors.EventFull):  # tried again: the limit as it is now
        booking.register(event.id, details(2), {block: kept}, "sv", utcnow())


@pytest.mark.parametrize("change", ["session deleted", "limit set"])
def test_what_changes_between_the_page_reading_the_event_and_the_locks_is_answered_as_it_is_now(
        app, monkeypatch, change):
    """Without the copy (PAGE_CACHE_SECONDS=0 here) the POST reads the event, then books; an
    organiser's change in between is read again and answered as it is now: never a 500 (red
    team, 2 December: a deleted session was a KeyError), never a limit passed by one."""
    with app.app_context():
        event = make_event(capacities=(10, 10))
        slug, block = event.slug, event.blocks[0].id
        kept, deleted = (s.id for s in event.blocks[0].sessions)
    client = app.test_client()
    with app.app_context():
        data = signup_data(client, db.session.get(Event, event.id), 1,
                           **{f"block_{block}": str(deleted if change == "session deleted" else kept)})
    loads, changed = queries.public_event, []

    def the_organiser_changes_it_after_this_read(slug, load="programme"):
        loaded = loads(slug, load)
        if load == "sessions" and not changed:
            changed.append(load)
            with db.engine.begin() as other:  # the organiser, in the same moment
                if change == "session deleted":
                    other.execute(db.delete(DialogueSession).where(DialogueSession.id == deleted))
                else:
                    other.execute(db.update(Event).where(Event.id == loaded.id).values(
                        capacity=0, updated_at=utcnow()))
        return loaded

    monkeypatch.setattr(queries, "public_event", the_organiser_changes_it_after_this_read)
    response = client.post(f"/events/{slug}/signup", data=data)
    assert changed
    text = text_of(response)
    if change == "session deleted":
        assert response.status_code == 400, text
        assert "Dialogmöten 1: Välj ett av de dialogmöten som finns att välja på." in text
    else:
        assert response.status_code == 409, text
        assert "fullt" in text
    assert "Deltagare 1" in response.get_data(as_text=True)  # what was typed is kept
    assert _stored(app, "deltagare1@example.org") is None


@pytest.mark.parametrize("copy", [False, True], ids=["read again", "from the copy"])
def test_a_sign_up_naming_a_pass_deleted_since_the_page_was_read_is_not_confirmed_without_it(
        make_app, inbox, copy):
    """Red team, 2 December: a pass deleted while people filled in the form was left out of
    their booking, and they were confirmed without the session they chose. Now they see the
    programme as it is, with what they typed, and nothing is stored."""
    app = make_app(PAGE_CACHE_SECONDS=60 if copy else 0)
    pagecache.clear()
    with app.app_context():
        event = make_event(capacities=(10,), blocks=2)
        slug, kept, gone = event.slug, event.blocks[0], event.blocks[1]
        choice = {f"block_{kept.id}": str(kept.sessions[0].id),
                  f"block_{gone.id}": str(gone.sessions[0].id)}
        client = app.test_client()
        data = signup_data(client, event, 1, **choice)
        if copy:
            assert _sign_up(app, slug, 2, kept.sessions[0].id, kept.id,
                            **{f"block_{gone.id}": str(gone.sessions[0].id)}).status_code == 302
        db.session.delete(db.session.get(ParallelBlock, gone.id))
        db.session.commit()
    response = client.post(f"/events/{slug}/signup", data=data)
    text = text_of(response)
    assert response.status_code == 503, text
    assert "Programmet ändrades just när du skickade det här, och inget sparades." in text
    assert 'value="Deltagare 1"' in response.get_data(as_text=True)
    assert _stored(app, "deltagare1@example.org") is None
    pagecache.clear()
