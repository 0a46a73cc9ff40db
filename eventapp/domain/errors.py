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


class ProgrammeChanged(Busy):
    """The programme a booking was made from (a copy read a moment ago, or the event as the
    page loaded it before the locks) is not the event as the database holds it now: the
    event was changed (its sign-up window, the questions asked, its limit, the privacy
    text, its passes and sessions ...), a block was added or removed, or a chosen session is
    gone, moved or now ranked. Nothing was written. A sign-up POST reads the programme again
    and answers from it; anyone else is told to look again and retry."""

    code = "programme_changed"


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


class RankingError(DomainError):
    """A ranking of a block's sessions that cannot be kept; `rank` is where it goes wrong."""

    code = "ranking_error"

    def __init__(self, rank=None, block_id=None):
        super().__init__(rank)
        self.rank, self.block_id = rank, block_id


class RankingIncomplete(RankingError):
    code = "ranking_incomplete"


class RankingGap(RankingError):
    code = "ranking_gap"


class RankingDuplicate(RankingError):
    code = "ranking_duplicate"


class RankingInvalid(RankingError):
    code = "ranking_invalid"


class RankingClosed(DomainError):
    """The block is being allocated (or was): rankings no longer change."""

    code = "ranking_closed"


class AllocationModeLocked(DomainError):
    """People hold seats in the block, so it cannot switch between first come and preferences."""

    code = "allocation_mode_locked"

    def __init__(self, count=0):
        super().__init__(count)
        self.count = count


class AllocationChanged(DomainError):
    """Rankings or capacities changed since the preview: compute it again before publishing."""

    code = "allocation_changed"


class AllocationNotReady(DomainError):
    """There is no preview to publish (still computing, failed, or already published)."""

    code = "allocation_not_ready"


class NotAuthenticated(DomainError):
    """An API request without a usable token: none, unknown, expired or revoked, or a
    participant's manage link sent as one. The same answer for each."""

    code = "not_authenticated"


class TokenLacksRight(DomainError):
    """A valid token asked for what it was not issued for: a write with a read-only token,
    organiser data with a lead's token."""

    code = "token_lacks_right"
