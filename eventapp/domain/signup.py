"""When an event takes sign-ups and changes, and who counts as the same person."""
from dataclasses import dataclass
from datetime import datetime

from .errors import ChangesClosed, SignupClosed, SignupNotOpenYet

OPEN, NOT_YET, CLOSED = "open", "not_yet", "closed"


@dataclass(frozen=True)
class EventWindow:
    status: str
    starts_at: datetime
    signup_opens_at: datetime | None = None
    signup_closes_at: datetime | None = None

    @classmethod
    def of(cls, event):
        return cls(event.status, event.starts_at, event.signup_opens_at, event.signup_closes_at)


def signup_state(window: EventWindow, now: datetime) -> str:
    if window.status != "published":
        return CLOSED
    if window.signup_opens_at and now < window.signup_opens_at:
        return NOT_YET
    closes = window.signup_closes_at or window.starts_at
    if now >= closes:
        return CLOSED
    return OPEN


def ensure_signup_open(window: EventWindow, now: datetime) -> None:
    state = signup_state(window, now)
    if state == NOT_YET:
        raise SignupNotOpenYet()
    if state == CLOSED:
        raise SignupClosed()


def ensure_changes_allowed(window: EventWindow, now: datetime) -> None:
    """Session choices can change while sign-up is open; after that the lists are fixed."""
    if signup_state(window, now) != OPEN:
        raise ChangesClosed()


def ensure_cancel_allowed(window: EventWindow, now: datetime) -> None:
    """A participant may cancel up to the start of the event, even after sign-up closed."""
    if window.status not in ("published", "closed") or now >= window.starts_at:
        raise ChangesClosed()


def email_key(address: str) -> str:
    """The form of an address used to spot a second sign-up: case and spaces ignored."""
    return address.strip().lower()
