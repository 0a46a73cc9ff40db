"""Sign-up, change of session, correction of details and cancellation.

Each public function is one transaction: it takes the locks it needs, asks the domain rules,
writes the registration, its session choices and outbox rows, and commits.
"""
import functools
import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, func, literal_column, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from ..domain import capacity, errors, signup
from ..domain.errors import (AlreadyRegistered, NotFound, PlaceChanged, ProgrammeChanged,
                             RegistrationCancelled)
from ..extensions import db
from ..models import DialogueSession, Event, ParallelBlock, Registration, SessionChoice
from .activity import log_activity
from . import preferences
from .changes import record_change
from .outbox import enqueue
from .unit_of_work import (insert_row, insert_rows, loaded_copy, lock_ids, lock_rows,
                           write_transaction)


@dataclass
class Details:
    """What a participant tells us about themselves."""

    name: str
    email: str
    organisation: str = ""
    job_title: str = ""
    dietary_needs: str = ""
    accessibility_needs: str = ""
    discussion_topic: str = ""


DETAIL_FIELDS = tuple(Details.__dataclass_fields__)


def block_map(event):
    """Each parallel block of the event with its session ids, as the domain rules want it.
    Blocks that take preferences (issue 14) are left out: their seats come from an
    allocation, and their rankings are services/preferences.py's."""
    return {block.id: [s.id for s in block.sessions] for block in event.blocks
            if not block.takes_preferences}


def seat_state(session):
    return seat_states([session])[session.id]


# Built once (see unit_of_work.py): a sign-up runs each of these.
_CONFIRMED_COUNTS = (
    select(SessionChoice.session_id, func.count())
    .where(SessionChoice.session_id.in_(bindparam("ids", expanding=True)),
           SessionChoice.state == SessionChoice.CONFIRMED)
    .group_by(SessionChoice.session_id)
)
# 'active' written into the SQL, not bound: SQLite uses the partial unique index (status =
# 'active') for a bound value only by planning the statement again at every execution,
# which cost a sign-up's seat count (which asks this) three quarters of its time.
_ACTIVE_WITH_KEY = (
    select(Registration.id)
    .where(Registration.event_id == bindparam("event_id"),
           Registration.email_key == bindparam("key"),
           Registration.status == literal_column(f"'{Registration.ACTIVE}'"))
    .limit(1)
)


def seat_states(sessions):
    """{session id: SeatState} for locked sessions, their confirmed seats counted in one
    statement."""
    sessions = list(sessions)
    confirmed = dict(db.session.execute(
        _CONFIRMED_COUNTS, {"ids": [s.id for s in sessions]}).all())
    return {s.id: capacity.SeatState(s.capacity, confirmed.get(s.id, 0), s.waitlist_enabled)
            for s in sessions}


# Sign-up reads, after the locks, what its rules need of the chosen sessions in one
# statement: capacity, waiting list, the confirmed seats and whether the address is
# registered already. Columns, not ORM objects: loading the sessions with populate_existing
# (lock_rows) cost a sign-up more CPU than the statement.
_CONFIRMED_IN_SESSION = (
    select(func.count(SessionChoice.id))
    .where(SessionChoice.session_id == DialogueSession.id,
           SessionChoice.state == SessionChoice.CONFIRMED)
    .scalar_subquery()
)


@functools.cache
def _seats_and_registered_for(count, with_event=False):
    """The statement for `count` sessions: one per count, with a parameter per id (an
    expanding IN is written out again at every execution, which cost more than the query).
    `with_event`: also where each session belongs now and the event's _EVENT_NOW."""
    ids = [bindparam(f"id_{n}") for n in range(count)]
    columns = [DialogueSession.id, DialogueSession.capacity, DialogueSession.waitlist_enabled,
               DialogueSession.waiting_seq, _CONFIRMED_IN_SESSION, _ACTIVE_WITH_KEY.exists()]
    if not with_event:
        return select(*columns).where(DialogueSession.id.in_(ids))
    return (
        select(*columns, DialogueSession.block_id, ParallelBlock.allocation_mode,
               ParallelBlock.event_id, *_EVENT_NOW)
        .join(ParallelBlock, ParallelBlock.id == DialogueSession.block_id)
        .join(Event, Event.id == ParallelBlock.event_id)
        .where(DialogueSession.id.in_(ids))
    )


# What tells whether a copy of the programme is the event as it is now: any change to the
# event's row sets its updated_at (the column's onupdate, or the services set it), and so
# does any change to its passes and sessions (services/programme.py); a block added or
# removed another way changes the count. The chosen sessions are checked one by one
# (_check_programme).
_EVENT_BLOCK = aliased(ParallelBlock)  # not the chosen session's block, joined beside it
_EVENT_NOW = (
    Event.updated_at,
    select(func.count(_EVENT_BLOCK.id)).where(_EVENT_BLOCK.event_id == Event.id)
    .correlate(Event).scalar_subquery(),
)
# A sign-up without sessions has no session row to hold: it holds the event's row FOR SHARE
# instead, so that an organiser's change of the event (a limit set) waits for it to commit,
# and it for the change (events.update_event).
_EVENT_NOW_ALONE = (select(*_EVENT_NOW).where(Event.id == bindparam("event_id"))
                    .with_for_update(read=True))


@dataclass(frozen=True)
class _Seats:
    """A locked session as sign-up's rules see it (with where it belongs now, if asked)."""

    state: capacity.SeatState
    waiting_seq: int
    block_id: int | None = None
    allocation_mode: str | None = None
    event_id: int | None = None


def _seats_and_registered(session_ids, event_id, key, with_event=False):
    """({session id: _Seats} for locked sessions, whether someone active in the event has this
    address key), in one statement. `with_event`: also where each session belongs and the
    event's (updated_at, number of blocks) as they are now, None if the event is gone."""
    connection = db.session.connection()
    if not session_ids:
        event_now = with_event and connection.execute(
            _EVENT_NOW_ALONE, {"event_id": event_id}).first()
        return {}, _has_active_registration(event_id, key), event_now and tuple(event_now)
    # On the session's connection: a plain statement, nothing for the ORM to do (its execute
    # path costs more than the statement).
    values = {f"id_{n}": session_id for n, session_id in enumerate(session_ids)}
    rows = connection.execute(_seats_and_registered_for(len(values), with_event), {
        **values, "event_id": event_id, "key": key}).all()
    seats = {row[0]: _Seats(capacity.SeatState(row[1], row[4], row[2]), row[3], *row[6:9])
             for row in rows}
    event_now = tuple(rows[0][9:]) if with_event and rows else None
    return seats, bool(rows and rows[0][5]), event_now


def _check_programme(programme, clean, seats, event_now):
    """A sign-up, checked against the rows as they are now (read after the locks, in the
    statement that counts the seats): what it was made from is what holds."""
    if event_now != (programme.updated_at, len(programme.blocks)):
        raise ProgrammeChanged()
    for block_id, session_id in clean.items():
        seat = seats.get(session_id)
        if (seat is None or seat.block_id != block_id or seat.event_id != programme.id
                or seat.allocation_mode != ParallelBlock.FIRST_COME):
            raise ProgrammeChanged()


def _next_place(state, waiting_seq, session_id):
    """(choice state, waiting-list number) for one more person in a locked session: a seat
    while there is one, else the number after the last one handed out."""
    if capacity.place_for_newcomer(state, session_id) == capacity.CONFIRMED:
        return SessionChoice.CONFIRMED, None
    return SessionChoice.WAITING, waiting_seq + 1


def _take_place(registration, session, now):
    """A seat or a waiting-list number in `session`; the session row must be locked."""
    state, queue_no = _next_place(seat_state(session), session.waiting_seq, session.id)
    if queue_no is not None:
        session.waiting_seq = queue_no
    choice = registration.choice_for_block(session.block_id)
    if choice is None:
        choice = SessionChoice(block_id=session.block_id, created_at=now)
        registration.choices.append(choice)
    choice.session_id = session.id
    choice.session = session
    choice.updated_at = now
    choice.state, choice.queue_no = state, queue_no
    return choice


def promote_from_waiting_list(session, now):
    """Fill free seats of a locked session from its waiting list, in order, and tell each person.
    A step of a use case: the caller's transaction has locked the session row."""
    db.session.flush()
    waiting = db.session.scalars(
        select(SessionChoice)
        .where(SessionChoice.session_id == session.id, SessionChoice.state == SessionChoice.WAITING)
        .order_by(SessionChoice.queue_no, SessionChoice.id)
    ).all()
    promoted = capacity.promotions(seat_state(session), waiting)
    for choice in promoted:
        _seat(choice, now)
    return promoted


@write_transaction(on_integrity_error=AlreadyRegistered, keep_loaded=True)
def register(event_id, details: Details, choices, locale, now, **options):
    """Sign a person up for an event with one session per parallel block (one transaction).

    Organisers registering someone by hand (`source="organiser"`) are not held to the
    sign-up window, but every capacity rule still applies.

    `programme`: the event with its blocks and sessions as a copy read a moment ago, shared
    by requests (the sign-up POST's, web/pagecache.shared), used instead of reading it
    again. It is never changed or attached here. What it says is checked against the locked
    rows: the sign-up window is the database's, and ProgrammeChanged is raised, with nothing
    written, when it no longer matches (_check_programme). Not for events whose blocks take
    rankings.
    """
    return register_in_transaction(event_id, details, choices, locale, now, **options)


def register_in_transaction(event_id, details: Details, choices, locale, now, notify=True,
                            source="web", actor=None, consent_text="", rankings=None,
                            programme=None):
    """register(), as one step of a use case that has its write transaction open already
    (a walk-in is registered and checked in at once)."""
    event = programme if programme is not None else _event_for_booking(event_id)
    if programme is not None and (programme.id != event_id or any(
            block.takes_preferences for block in programme.blocks)):
        raise ValueError("a programme copy is for first-come blocks of the same event")
    if source == "web":
        signup.ensure_signup_open(signup.EventWindow.of(event), now)
    elif event.status == Event.CANCELLED:
        raise errors.SignupClosed()
    preferences.lock_awaiting_blocks(event)
    blocks = block_map(event)
    if source == "walk_in":
        # Someone at the door joins one session only, and only if there is a seat.
        blocks = {b: ids for b, ids in blocks.items() if b in choices}
    clean = capacity.validate_choices(blocks, choices)
    ranked = preferences.validate_rankings(event, rankings or {}) if source != "walk_in" else {}
    key = signup.email_key(details.email) if details.email else f"walk-in:{uuid.uuid4()}"
    # Locks first, then inserts: the order in which sign-ups get their seats is lock order.
    if event.capacity is not None:
        lock_rows(Event, [event.id])
    session_ids = sorted(set(clean.values()))
    lock_ids(DialogueSession, session_ids)
    # Whether the address is registered already is asked in the statement that counts the
    # seats (one round trip less per sign-up); it is answered before any capacity rule.
    seats, already, event_now = _seats_and_registered(session_ids, event.id, key,
                                                      with_event=True)
    # After it, the window, limit, questions and passes the sign-up was made from (a copy,
    # or what the page read before the locks) are the event's as it is now.
    _check_programme(event, clean, seats, event_now)
    if already:
        raise AlreadyRegistered()
    if event.capacity is not None:
        capacity.ensure_event_has_room(event.capacity, _active_count(event.id))
    if source == "walk_in":
        for session_id in session_ids:
            if seats[session_id].state.seats_left <= 0:
                raise errors.SessionFull(session_id)
    places = {session_id: _next_place(seats[session_id].state, seats[session_id].waiting_seq,
                                      session_id)
              for session_id in session_ids}
    # The rows are written at once with plain INSERTs (unit_of_work.insert_row). A second
    # sign-up with the same address that raced past the check above fails here on the
    # partial unique index, and the decorator turns that into AlreadyRegistered.
    registration = loaded_copy(Registration, insert_row(Registration, dict(
        event_id=event.id,
        email_key=key,
        source=source,
        locale=locale,
        consent_version=event.privacy_version,
        consented_at=now,
        consent_text=consent_text,
        created_at=now,
        updated_at=now,
        **_detail_values(details),
    )))
    if programme is None:
        set_committed_value(registration, "event", event)
    _insert_choices(registration, clean, places, now)
    # A shared copy is not told the new numbers: nothing reads them from it, and nothing
    # changes it.
    _hand_out_waiting_numbers({} if programme is not None else
                              {s.id: s for block in event.blocks for s in block.sessions}, places)
    if ranked:
        preferences.record_rankings(registration, event, ranked, now)
    if notify:
        enqueue("confirmation", registration, now, sequence=registration.ics_sequence)
    if actor is not None:
        log_activity(event.id, actor, "registration.created", registration.name, now,
                     registration_id=registration.id, source=source)
    record_change(event.id, registration.id, "created", now)
    return registration


def _insert_choices(registration, clean, places, now):
    """A new registration's seat or waiting-list place in each chosen (locked) session, written
    at once. No ORM objects are made for them (they cost a sign-up more than their INSERTs):
    the web sign-up never reads them, and a caller that does (a walk-in's check-in) has them
    loaded by the ORM when it first asks for `registration.choices`."""
    insert_rows(SessionChoice, [
        dict(registration_id=registration.id, block_id=block_id, session_id=session_id,
             state=places[session_id][0], queue_no=places[session_id][1], created_at=now,
             updated_at=now)
        for block_id, session_id in sorted(clean.items())
    ])


_WAITING_SEQ = (
    update(DialogueSession.__table__)
    .where(DialogueSession.id == bindparam("session_id"))
    .values(waiting_seq=bindparam("given_out"))
)


def _hand_out_waiting_numbers(sessions, places):
    """The sessions' last waiting-list numbers as sign-up gave them out: a plain UPDATE (no
    ORM object to flush at commit), and the loaded sessions told the new value."""
    given = [{"session_id": session_id, "given_out": queue_no}
             for session_id, (_state, queue_no) in places.items() if queue_no is not None]
    if not given:
        return
    db.session.connection().execute(_WAITING_SEQ, given)
    for row in given:
        if row["session_id"] in sessions:
            set_committed_value(sessions[row["session_id"]], "waiting_seq", row["given_out"])


@write_transaction()
def change_sessions(registration_id, choices, now, actor=None, notify=True):
    """Move a registration to other sessions; freed seats go to those waiting.

    An organiser (`actor`) may move people after sign-up has closed, and may leave the
    person untold (`notify=False`); capacity still holds, and whoever moves up from a
    waiting list is told all the same.
    """
    registration = _load_active(registration_id)
    event = registration.event
    if actor is None:
        signup.ensure_changes_allowed(signup.EventWindow.of(event), now)
    clean = capacity.validate_choices(block_map(event), choices)
    moves = {
        block_id: session_id
        for block_id, session_id in clean.items()
        if (choice := registration.choice_for_block(block_id)) is None
        or choice.session_id != session_id
        or choice.state == SessionChoice.CANCELLED
    }
    if not moves:
        return registration, False
    left = {
        registration.choice_for_block(b).session_id
        for b in moves
        if registration.choice_for_block(b) is not None
    }
    sessions = lock_rows(DialogueSession, set(moves.values()) | left)
    # On PostgreSQL the event above was read before these locks: what an organiser changed
    # in that moment (a session deleted or moved, a pass made ranked, the window) is
    # answered "busy, try again", never booked or a 500. SQLite's write lock was first.
    seats, _, event_now = _seats_and_registered(sorted(set(moves.values())), event.id,
                                                registration.email_key, with_event=True)
    _check_programme(event, moves, seats, event_now)
    # What the activity log says: from which session to which, per block, as titles.
    moved = [{"from": c.session.title if (c := registration.choice_for_block(b)) else "",
              "to": sessions[session_id].title} for b, session_id in sorted(moves.items())]
    for session_id in moves.values():
        _take_place(registration, sessions[session_id], now)
    for session_id in sorted(left):
        promote_from_waiting_list(sessions[session_id], now)
    registration.ics_sequence += 1
    registration.updated_at = now
    record_change(event.id, registration.id, "moved", now)
    if notify:
        enqueue("changed", registration, now, sequence=registration.ics_sequence)
    if actor is not None:
        log_activity(event.id, actor, "registration.moved", registration.name, now,
                     registration_id=registration.id, sessions=sorted(moves.values()),
                     moves=moved, notified=notify)
    return registration, True


@write_transaction(on_integrity_error=AlreadyRegistered)
def update_details(registration_id, details: Details, now, actor=None, new_email_confirmed=True):
    """Correct name, address and answers. The address must stay unique within the event.

    From a participant's own link (`new_email_confirmed=False`) a new address is not taken
    yet: it is mailed a link to confirm it (`confirm_email_change`), the address on file is
    told, and everything else is saved at once."""
    registration = _load_active(registration_id)
    key = _key_for(registration, details.email)
    values = _detail_values(details)
    if not new_email_confirmed and key != registration.email_key:
        new_email = values.pop("email")
        key = registration.email_key
        enqueue("email_change", registration, now, to_address=new_email, new_email=new_email)
        enqueue("email_change_notice", registration, now, new_email=new_email)
    for field, value in values.items():
        setattr(registration, field, value)
    registration.email_key = key
    registration.updated_at = now
    record_change(registration.event_id, registration.id, "updated", now)
    if actor is not None:
        log_activity(registration.event_id, actor, "registration.edited", registration.name, now,
                     registration_id=registration.id)
    db.session.flush()
    return registration


@write_transaction(on_integrity_error=AlreadyRegistered)
def confirm_email_change(registration_id, link_version, key_digest, new_email, now):
    """The new address, confirmed from its own inbox. The link was made for the registration
    as it was (link version, a digest of its address key); once either has changed, it is
    spent."""
    registration = _load_active(registration_id)
    if (registration.link_version != link_version
            or signup.key_digest(registration.email_key) != key_digest):
        raise errors.InvalidToken()
    registration.email_key = _key_for(registration, new_email)
    registration.email = signup.normalised_email(new_email)
    registration.updated_at = now
    return registration


def _key_for(registration, email):
    """The key for the registration's (new) address; AlreadyRegistered if someone else active
    in the event has it."""
    key = signup.email_key(email)
    if key == signup.key_behind(registration.email_key):
        return registration.email_key  # the same address: a possible duplicate stays one
    if _has_active_registration(registration.event_id, key):
        raise AlreadyRegistered()
    return key


@write_transaction()
def cancel(registration_id, now, notify=True, actor=None):
    """Cancel a registration: its seats are freed and the waiting lists move up."""
    registration = _load_active(registration_id)
    if actor is None:
        signup.ensure_cancel_allowed(signup.EventWindow.of(registration.event), now)
    held = [c for c in registration.choices if c.state != SessionChoice.CANCELLED]
    sessions = lock_rows(DialogueSession, {c.session_id for c in held})
    for choice in held:
        choice.state, choice.queue_no, choice.updated_at = SessionChoice.CANCELLED, None, now
    registration.status = Registration.CANCELLED
    registration.cancelled_at = now
    registration.updated_at = now
    registration.ics_sequence += 1
    record_change(registration.event_id, registration.id, "cancelled", now)
    for session in sessions.values():
        promote_from_waiting_list(session, now)
    if notify:
        enqueue("cancelled", registration, now, sequence=registration.ics_sequence)
    if actor is not None:
        log_activity(registration.event_id, actor, "registration.cancelled", registration.name,
                     now, registration_id=registration.id)
    return registration


@write_transaction()
def promote(choice_id, now, actor):
    """An organiser gives a waiting person a seat that is free (never beyond capacity)."""
    choice = _choice(choice_id, SessionChoice.WAITING)
    session = lock_rows(DialogueSession, [choice.session_id])[choice.session_id]
    if seat_state(session).seats_left <= 0:
        raise errors.NoSeatFree()
    _seat(choice, now)
    log_activity(choice.registration.event_id, actor, "registration.promoted",
                 choice.registration.name, now, registration_id=choice.registration_id)
    return choice


@write_transaction()
def put_back_on_waiting_list(choice_id, now, actor):
    """An organiser moves a confirmed person to the end of the waiting list; the seat goes on."""
    choice = _choice(choice_id, SessionChoice.CONFIRMED)
    session = lock_rows(DialogueSession, [choice.session_id])[choice.session_id]
    if _waiting_count(session.id) == 0:
        raise errors.NobodyWaiting()
    session.waiting_seq += 1
    choice.state, choice.queue_no, choice.updated_at = SessionChoice.WAITING, session.waiting_seq, now
    registration = choice.registration
    registration.ics_sequence += 1
    record_change(registration.event_id, registration.id, "moved", now)
    enqueue("changed", registration, now, sequence=registration.ics_sequence)
    log_activity(registration.event_id, actor, "registration.waitlisted", registration.name, now,
                 registration_id=registration.id)
    # The freed seat goes to whoever is first in line (which is not this person: they went last).
    promote_from_waiting_list(session, now)
    return choice


def _choice(choice_id, expected_state):
    choice = db.session.get(SessionChoice, choice_id)
    if choice is None:
        raise NotFound(choice_id)
    if choice.state != expected_state:
        raise PlaceChanged()
    return choice


def _seat(choice, now):
    choice.state, choice.queue_no, choice.updated_at = SessionChoice.CONFIRMED, None, now
    registration = choice.registration
    registration.ics_sequence += 1
    record_change(registration.event_id, registration.id, "promoted", now)
    enqueue("promoted", registration, now, session_id=choice.session_id,
            sequence=registration.ics_sequence)


@write_transaction()
def send_manage_link(event_id, email, now):
    """Mail the manage link to the address, if it has a live registration.

    Anyone may ask, so asking changes nothing: the links the person already has keep working
    (revoking them is for the holder, `renew_manage_link`). The answer is the same either way
    so that nobody can learn who is registered.
    """
    registration = _active_registration(event_id, signup.email_key(email))
    if registration is not None:
        enqueue("manage_link", registration, now)


@write_transaction()
def renew_manage_link(registration_id, now):
    """The holder of a link makes every link sent so far stop working (one may have been
    forwarded); the new one goes to the registration's address only."""
    registration = _load_active(registration_id)
    registration.link_version += 1
    registration.updated_at = now
    enqueue("manage_link", registration, now, renewed=True)
    return registration


def _detail_values(details: Details):
    values = {field: (getattr(details, field) or "").strip() for field in DETAIL_FIELDS}
    values["email"] = signup.normalised_email(values["email"])
    return values


def _event_for_booking(event_id):
    """The event with its blocks and sessions: as the page loaded it a moment ago, if it did.
    Capacity and waiting lists are read again under lock; this is only the structure."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(event_id)
    return event


def _waiting_count(session_id):
    return db.session.scalar(
        select(func.count(SessionChoice.id)).where(
            SessionChoice.session_id == session_id, SessionChoice.state == SessionChoice.WAITING
        )
    )


def _active_count(event_id):
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event_id, Registration.status == Registration.ACTIVE
        )
    )


def _active_registration(event_id, key):
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event_id,
            Registration.email_key == key,
            Registration.status == Registration.ACTIVE,
        )
    )


def _has_active_registration(event_id, key):
    """Whether someone active in the event has this address key (the id alone is read)."""
    return db.session.execute(
        _ACTIVE_WITH_KEY, {"event_id": event_id, "key": key}).first() is not None


def _load_active(registration_id):
    """The registration, locked against a concurrent change from a second browser tab."""
    registration = lock_rows(Registration, [registration_id]).get(registration_id)
    if registration is None:
        raise NotFound(registration_id)
    if registration.is_anonymised:
        raise errors.RegistrationAnonymised()
    if not registration.is_active:
        raise RegistrationCancelled()
    return registration
