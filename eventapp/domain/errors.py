"""Every error a use case can answer with, each with a stable code: what a person asked for
that the rules refuse, what does not exist, and a database too busy to answer in time.

`eventapp/web/errors.py` maps each code to a message, an HTTP status and a problem type;
routes turn them into a page, never a 500. Programming errors (a KeyError, a nested write
transaction) are not DomainErrors: they are logged and answered with a 500.
"""


class DomainError(Exception):
    """Base class. `code` is stable so a route can pick the right message; `carries` names
    the one value an error holds for its message or form (as that attribute), if any."""

    code = "domain_error"
    carries = None

    def __init__(self, *args):
        super().__init__(*args)
        if self.carries is not None:
            setattr(self, self.carries, args[0] if args else None)


class NotFound(DomainError):
    """What was asked for does not exist (or not where it was asked for)."""

    code = "not_found"


class Busy(DomainError):
    """A lock was not granted in time (PostgreSQL's lock_timeout, SQLite's busy timeout):
    nothing was written, and the same request will very likely work in a moment."""

    code = "busy"


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
    carries = "session_id"


class InvalidChoice(DomainError):
    """A choice that is not one session of each parallel block of this event."""

    code = "invalid_choice"
    carries = "block_id"


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
    carries = "confirmed"


class NotADraft(DomainError):
    code = "not_a_draft"


class InvalidTransition(DomainError):
    """E.g. publishing a cancelled event."""

    code = "invalid_transition"


class PeopleSignedUp(DomainError):
    """An event people have signed up for cannot go back to draft: close or cancel it."""

    code = "people_signed_up"
    carries = "count"


class HasRegistrations(DomainError):
    """A session or block with registrations cannot be deleted; cancel or move people first."""

    code = "has_registrations"


class UnknownLead(DomainError):
    """A lead given by name only, and no known lead has that name: the address is needed."""

    code = "unknown_lead"
    carries = "row"  # which of the form's new-lead rows


class AmbiguousLead(UnknownLead):
    """A lead given by name only, and several known leads have that name."""

    code = "ambiguous_lead"


class DoubleBooking(DomainError):
    """A lead or a room is booked in another session at the same time. The organiser is asked,
    not refused: saving again with `allow_clashes` keeps it."""

    code = "double_booking"

    def __init__(self, clashes=()):
        super().__init__(clashes)
        self.clashes = list(clashes)


class NoSeatFree(DomainError):
    code = "no_seat_free"


class NobodyWaiting(DomainError):
    """Putting someone back on the waiting list only makes sense if the seat goes to another."""

    code = "nobody_waiting"


class PlaceChanged(DomainError):
    """A seat or waiting-list place is no longer what the page showed (someone changed it)."""

    code = "place_changed"


class EmailTaken(DomainError):
    code = "email_taken"


class PasswordTooWeak(DomainError):
    code = "password_too_weak"


class InvalidToken(DomainError):
    """Expired, used, revoked or never issued: the same answer for each."""

    code = "invalid_token"


class NotInSession(DomainError):
    """The person is not (or no longer) seated in the session a lead is checking in."""

    code = "not_in_session"


class UnknownPlaceholder(DomainError):
    code = "unknown_placeholder"

    def __init__(self, names, fields=None):
        super().__init__(names)
        self.names = names
        self.fields = fields or {}  # {field: its unknown names}, so a form can mark each field


class ReminderLocked(DomainError):
    """A reminder that has gone out (or was cancelled) is no longer edited."""

    code = "reminder_locked"


class ReminderNotSent(DomainError):
    """Sending a reminder again to those who have not had it needs it to have gone out once."""

    code = "reminder_not_sent"
