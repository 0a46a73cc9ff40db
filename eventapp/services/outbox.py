"""Writing a message to the outbox, inside the caller's transaction (never sent from here)."""
from ..extensions import db
from ..models import OutboxMessage


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
        registration=registration,
        to_address=to_address or registration.email,
        locale=registration.locale,
        payload=payload,
        status=OutboxMessage.QUEUED,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    return message
