"""Errors a user can cause; routes turn them into a message, never a 500."""


class DomainError(Exception):
    """Base class. `code` is stable so a route can pick the right message."""

    code = "domain_error"


class SignupClosed(DomainError):
    code = "signup_closed"


class SignupNotOpenYet(DomainError):
    code = "signup_not_open_yet"


class ChangesClosed(DomainError):
    code = "changes_closed"


class AlreadyRegistered(DomainError):
    code = "already_registered"


class SessionFull(DomainError):
    """The session has no seat left and no waiting list."""

    code = "session_full"

    def __init__(self, session_id=None):
        super().__init__(session_id)
        self.session_id = session_id


class InvalidChoice(DomainError):
    """A choice that is not one session of each parallel block of this event."""

    code = "invalid_choice"

    def __init__(self, block_id=None):
        super().__init__(block_id)
        self.block_id = block_id


class RegistrationCancelled(DomainError):
    code = "registration_cancelled"


class RegistrationAnonymised(DomainError):
    """Retention removed the personal data: nothing may be written into it again."""

    code = "registration_anonymised"


class EventFull(DomainError):
    """The event's overall capacity is reached."""

    code = "event_full"


class CapacityBelowConfirmed(DomainError):
    """A session's capacity cannot go below the number of people who already have a seat."""

    code = "capacity_below_confirmed"

    def __init__(self, confirmed=0):
        super().__init__(confirmed)
        self.confirmed = confirmed


class NotADraft(DomainError):
    code = "not_a_draft"


class InvalidTransition(DomainError):
    """E.g. publishing a cancelled event."""

    code = "invalid_transition"


class HasRegistrations(DomainError):
    """A session or block with registrations cannot be deleted; cancel or move people first."""

    code = "has_registrations"


class NoSeatFree(DomainError):
    code = "no_seat_free"


class NobodyWaiting(DomainError):
    """Putting someone back on the waiting list only makes sense if the seat goes to another."""

    code = "nobody_waiting"
