"""Writing a message to the outbox, inside the caller's transaction (never sent from here)."""
from ..extensions import db
from ..models import OutboxMessage
from .unit_of_work import insert_row


def enqueue(kind, registration, now, to_address=None, **payload):
    """Queue a message about a registration; it is delivered after the transaction commits,
    to the registration's address unless `to_address` (a new address to confirm) is given.

    A registration without an address gets none: a walk-in who gave no address, or one whose
    personal data retention removed (a seat freed afterwards must not mail an empty address).
    """
    if not registration.email:
        return
    values = dict(
        kind=kind,
        to_address=to_address or registration.email,
        locale=registration.locale,
        payload=payload,
        status=OutboxMessage.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    if registration.id is None:  # not written yet: the row follows it at the flush
        db.session.add(OutboxMessage(registration=registration, **values))
        return
    # Written at once with a plain INSERT (every sign-up has one). Nothing reads the message
    # back in this transaction, so no ORM object is made for it (that cost more than the SQL).
    insert_row(OutboxMessage, dict(values, registration_id=registration.id))
