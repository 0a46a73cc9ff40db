"""Writing a message to the outbox, inside the caller's transaction (never sent from here)."""
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import OutboxMessage
from .unit_of_work import insert_now


def enqueue(kind, registration, now, to_address=None, **payload):
    """Queue a message about a registration; it is delivered after the transaction commits,
    to the registration's address unless `to_address` (a new address to confirm) is given.

    A registration without an address gets none: a walk-in who gave no address, or one whose
    personal data retention removed (a seat freed afterwards must not mail an empty address).
    """
    if not registration.email:
        return None
    message = OutboxMessage(
        kind=kind,
        to_address=to_address or registration.email,
        locale=registration.locale,
        payload=payload,
        status=OutboxMessage.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    if registration.id is None:  # not written yet: the row follows it at the flush
        message.registration = registration
        db.session.add(message)
        return message
    # Written at once, without the unit of work's bookkeeping (every sign-up has one).
    message.registration_id = registration.id
    insert_now(message)
    set_committed_value(message, "registration", registration)
    return message
