"""How the outbox treats a failed delivery: retry later with back-off, or give up."""
from datetime import datetime, timedelta

TEMPORARY, PERMANENT = "temporary", "permanent"


def classify_smtp_failure(code: int | None) -> str:
    """5xx is the server's final no; 4xx and no answer at all (connection errors) may pass later."""
    if code is not None and 500 <= code < 600:
        return PERMANENT
    return TEMPORARY


def retry_delay(attempts: int, base_seconds: int = 30, cap_seconds: int = 3600) -> timedelta:
    """Exponential back-off: 30 s, 60 s, 120 s, ... never more than an hour."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), cap_seconds))


def next_attempt(now: datetime, attempts: int, max_attempts: int):
    """When to try again after `attempts` failed tries, or None when it is time to give up."""
    if attempts >= max_attempts:
        return None
    return now + retry_delay(attempts)
