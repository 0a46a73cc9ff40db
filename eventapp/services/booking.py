"""Sign-up, change of session, correction of details and cancellation.

Each public function is one transaction: it takes the locks it needs, asks the domain rules,
writes the registration, its session choices and outbox rows, and commits.
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from ..domain import capacity, signup
from ..domain.errors import AlreadyRegistered, RegistrationCancelled
from ..extensions import db
from ..models import DialogueSession, Event, Registration, SessionChoice
from .outbox import enqueue
from .unit_of_work import lock_rows, write_transaction


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
    """Each parallel block of the event with its session ids, as the domain rules want it."""
    return {block.id: [s.id for s in block.sessions] for block in event.blocks}


def seat_state(session):
    confirmed = db.session.scalar(
        select(func.count(SessionChoice.id)).where(
            SessionChoice.session_id == session.id,
            SessionChoice.state == SessionChoice.CONFIRMED,
        )
    )
    return capacity.SeatState(session.capacity, confirmed, session.waitlist_enabled)


def _take_place(registration, session, now):
    """A seat or a waiting-list number in `session`; the session row must be locked."""
    place = capacity.place_for_newcomer(seat_state(session), session.id)
    choice = registration.choice_for_block(session.block_id)
    if choice is None:
        choice = SessionChoice(block_id=session.block_id, created_at=now)
        registration.choices.append(choice)
    choice.session_id = session.id
    choice.session = session
    choice.updated_at = now
    if place == capacity.CONFIRMED:
        choice.state, choice.queue_no = SessionChoice.CONFIRMED, None
    else:
        session.waiting_seq += 1
        choice.state, choice.queue_no = SessionChoice.WAITING, session.waiting_seq
    return choice


def _promote_from_waiting_list(session, now):
    """Fill free seats of a locked session from its waiting list, in order, and tell each person."""
    db.session.flush()
    waiting = db.session.scalars(
        select(SessionChoice)
        .where(SessionChoice.session_id == session.id, SessionChoice.state == SessionChoice.WAITING)
        .order_by(SessionChoice.queue_no, SessionChoice.id)
    ).all()
    promoted = capacity.promotions(seat_state(session), waiting)
    for choice in promoted:
        choice.state, choice.queue_no, choice.updated_at = SessionChoice.CONFIRMED, None, now
        registration = choice.registration
        registration.ics_sequence += 1
        enqueue(
            "promoted",
            registration,
            now,
            session_id=session.id,
            sequence=registration.ics_sequence,
        )
    return promoted


@write_transaction(on_integrity_error=AlreadyRegistered)
def register(event_id, details: Details, choices, locale, now, notify=True):
    """Sign a person up for an event with one session per parallel block."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise LookupError(event_id)
    signup.ensure_signup_open(signup.EventWindow.of(event), now)
    clean = capacity.validate_choices(block_map(event), choices)
    key = signup.email_key(details.email)
    if _active_registration(event.id, key) is not None:
        raise AlreadyRegistered()
    # Locks first, then inserts: the order in which sign-ups get their seats is lock order.
    sessions = lock_rows(DialogueSession, clean.values())
    registration = Registration(
        event=event,
        email_key=key,
        locale=locale,
        consent_version=event.privacy_version,
        consented_at=now,
        created_at=now,
        updated_at=now,
        **_detail_values(details),
    )
    db.session.add(registration)
    for session_id in sorted(clean.values()):
        _take_place(registration, sessions[session_id], now)
    if notify:
        enqueue("confirmation", registration, now, sequence=registration.ics_sequence)
    # Two sign-ups with the same address may race past the check above; the partial unique
    # index lets only one commit, and the decorator turns the other into AlreadyRegistered.
    db.session.flush()
    return registration


@write_transaction()
def change_sessions(registration_id, choices, now):
    """Move a registration to other sessions; freed seats go to those waiting."""
    registration = _load_active(registration_id)
    event = registration.event
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
    for session_id in moves.values():
        _take_place(registration, sessions[session_id], now)
    for session_id in sorted(left):
        _promote_from_waiting_list(sessions[session_id], now)
    registration.ics_sequence += 1
    registration.updated_at = now
    enqueue("changed", registration, now, sequence=registration.ics_sequence)
    return registration, True


@write_transaction(on_integrity_error=AlreadyRegistered)
def update_details(registration_id, details: Details, now):
    """Correct name, address and answers. The address must stay unique within the event."""
    registration = _load_active(registration_id)
    key = signup.email_key(details.email)
    if key != registration.email_key and _active_registration(registration.event_id, key):
        raise AlreadyRegistered()
    for field, value in _detail_values(details).items():
        setattr(registration, field, value)
    registration.email_key = key
    registration.updated_at = now
    db.session.flush()
    return registration


@write_transaction()
def cancel(registration_id, now, notify=True):
    """Cancel a registration: its seats are freed and the waiting lists move up."""
    registration = _load_active(registration_id)
    signup.ensure_cancel_allowed(signup.EventWindow.of(registration.event), now)
    held = [c for c in registration.choices if c.state != SessionChoice.CANCELLED]
    sessions = lock_rows(DialogueSession, {c.session_id for c in held})
    for choice in held:
        choice.state, choice.queue_no, choice.updated_at = SessionChoice.CANCELLED, None, now
    registration.status = Registration.CANCELLED
    registration.cancelled_at = now
    registration.updated_at = now
    registration.ics_sequence += 1
    for session in sessions.values():
        _promote_from_waiting_list(session, now)
    if notify:
        enqueue("cancelled", registration, now, sequence=registration.ics_sequence)
    return registration


@write_transaction()
def send_manage_link(event_id, email, now):
    """Mail a fresh manage link to the address, if it has a live registration.

    The answer is the same either way so that nobody can learn who is registered. A new link
    revokes the old ones.
    """
    registration = _active_registration(event_id, signup.email_key(email))
    if registration is not None:
        registration.link_version += 1
        enqueue("manage_link", registration, now)


def waiting_position(choice):
    """1 for the first in line."""
    if choice.state != SessionChoice.WAITING:
        return None
    ahead = db.session.scalar(
        select(func.count(SessionChoice.id)).where(
            SessionChoice.session_id == choice.session_id,
            SessionChoice.state == SessionChoice.WAITING,
            SessionChoice.queue_no < choice.queue_no,
        )
    )
    return ahead + 1


def _detail_values(details: Details):
    values = {field: (getattr(details, field) or "").strip() for field in DETAIL_FIELDS}
    return values


def _active_registration(event_id, key):
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event_id,
            Registration.email_key == key,
            Registration.status == Registration.ACTIVE,
        )
    )


def _load_active(registration_id):
    """The registration, locked against a concurrent change from a second browser tab."""
    registration = lock_rows(Registration, [registration_id]).get(registration_id)
    if registration is None:
        raise LookupError(registration_id)
    if not registration.is_active:
        raise RegistrationCancelled()
    return registration
