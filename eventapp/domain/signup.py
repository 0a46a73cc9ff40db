"""When an event takes sign-ups and changes, and who counts as the same person."""
import functools
import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email

from .errors import ChangesClosed, SignupClosed, SignupNotOpenYet

OPEN, NOT_YET, CLOSED = "open", "not_yet", "closed"
# How long the browser that signed someone up shows them the thank-you page (name, email,
# sessions); after that their own link is the way back, and the page is the event's again.
THANKS_PAGE_LIFETIME = timedelta(minutes=30)


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


def key_digest(key: str) -> str:
    """A short digest of an address key: enough to tell that an address has changed, without
    putting the address itself in a link (links end up in logs and browser histories)."""
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def thanks_page_shown(registered_at: datetime, now: datetime) -> bool:
    return now - registered_at <= THANKS_PAGE_LIFETIME


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


# Longer than any address can be (RFC 5321: 254); such input is never parsed, only folded.
_LONGEST = 320


@functools.lru_cache(maxsize=1024)
def normalised_email(value: str) -> str:
    """The address as email-validator normalises it: Unicode NFC, the domain lower-case in its
    Unicode form (punycode decoded, full-width letters folded), the local part as typed.
    What it refuses as an address comes back trimmed, so a caller never has to ask first."""
    value = value.strip()
    if len(value) > _LONGEST:
        return value
    return _validated(value) or value


def is_email_address(value: str) -> bool:
    """Whether email-validator takes `value` as an address (no DNS asked), from the same
    remembered answers as normalised_email: a form checks the address it just normalised."""
    return len(value) <= _LONGEST and _validated(value) is not None


@functools.lru_cache(maxsize=1024)
def _validated(value):
    try:
        return validate_email(value, check_deliverability=False, allow_smtputf8=True).normalized
    except EmailNotValidError:
        return None


def email_key(value: str) -> str:
    """Who counts as the same person: the normalised address, NFKC-folded (full-width letters
    in the local part too) and case-folded. The one key every comparison of addresses uses:
    registrations, staff accounts, login, links and rate limits."""
    folded = unicodedata.normalize("NFKC", normalised_email(value))
    return unicodedata.normalize("NFKC", folded.casefold())[:254]


# A registration kept beside an older one with the same key (the key changed under it, see
# the migration "email keys normalised") holds this instead, so that the one-live-registration
# index is satisfied and the organiser can see both and decide.
DUPLICATE_PREFIX = "dup:"


def duplicate_key(registration_id: int, key: str) -> str:
    return f"{DUPLICATE_PREFIX}{registration_id}:{key}"[:254]


def key_behind(stored_key: str) -> str:
    """The address key a stored key stands for: itself, or what a duplicate's key holds."""
    if stored_key.startswith(DUPLICATE_PREFIX):
        return stored_key.split(":", 2)[-1]
    return stored_key
