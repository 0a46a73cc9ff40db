"""Rules for staff accounts: password quality, token lifetimes, how long a session lives."""
from datetime import datetime, timedelta
from typing import NamedTuple

from .errors import PasswordTooWeak


def check_password_quality(password: str, min_length: int, email: str = "") -> None:
    """Length over complexity rules, as current guidance advises; refuse the obvious."""
    if len(password) < min_length or len(password) > 256:
        raise PasswordTooWeak()
    lowered = password.lower()
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        raise PasswordTooWeak()
    if len(set(password)) < 4:
        raise PasswordTooWeak()


def token_usable(expires_at: datetime, used_at: datetime | None, now: datetime) -> bool:
    return used_at is None and now < expires_at


def expiry(now: datetime, hours: int) -> datetime:
    return now + timedelta(hours=hours)


# How stale a session's "last seen" may get before it is written again: often enough for
# the idle limit, rarely enough that reading a page seldom writes.
LAST_SEEN_EVERY = timedelta(minutes=5)


def session_live(ended_at: datetime | None, last_seen_at: datetime, now: datetime,
                 idle_hours: int) -> bool:
    """A session lives until it is ended (logout, sign out everywhere, a new password) or
    left unused for `idle_hours`."""
    return ended_at is None and now - last_seen_at < timedelta(hours=idle_hours)


def session_seen_long_ago(last_seen_at: datetime, now: datetime) -> bool:
    return now - last_seen_at >= LAST_SEEN_EVERY


class StaffLink(NamedTuple):
    """The single-use link an invitation or reset message carries. The raw token lives only in
    the mail worker's memory until the message is sent; the database keeps its hash."""

    token: str
    hours: int


def staff_message_refusal(kind: str, account) -> str | None:
    """Why an invitation or reset is no longer sent (None: send it). `account`: the user it is
    for (with `active` and `password_hash`), None when it has been deleted."""
    if account is None or not account.active:
        return "no active account"
    if kind == "account_invite" and account.password_hash:
        return "password already chosen"
    return None


# --- personal access tokens for the API ---------------------------------------------------

API_TOKEN_DEFAULT_DAYS = 90
API_TOKEN_MAX_DAYS = 366
# Whose secret this is, readable in a leaked log or a secret scanner's report.
API_TOKEN_PREFIX = "eva_"


def api_token_expiry(now: datetime, days: int | None) -> datetime:
    days = API_TOKEN_DEFAULT_DAYS if days is None else days
    return now + timedelta(days=max(1, min(days, API_TOKEN_MAX_DAYS)))


def api_token_usable(expires_at: datetime, revoked_at: datetime | None, active: bool,
                     now: datetime) -> bool:
    return active and revoked_at is None and now < expires_at


def api_token_reach(kind: str, is_organiser: bool, issued_for: set, led_now: set) -> set:
    """What a token reaches right now: the events (organiser) or sessions (lead) it was issued
    for, less what its owner no longer holds (a lead removed from a session loses it at once;
    an organiser who is no longer one reaches nothing)."""
    if kind == "organiser":
        return set(issued_for) if is_organiser else set()
    return set(issued_for) & set(led_now)
