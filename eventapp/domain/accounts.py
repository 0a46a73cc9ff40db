"""Rules for staff accounts: password quality and token lifetimes."""
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
