"""How the outbox treats a failed delivery: retry later with back-off, or give up; and what
of a failure may be kept."""
import re
from datetime import datetime, timedelta

TEMPORARY, PERMANENT = "temporary", "permanent"
# Anything shaped like an address, with its angle brackets: SMTP answers often quote the
# recipient ("550 5.1.1 <anna@example.se>: Recipient address rejected").
_ADDRESS = re.compile(r"<?[^\s<>@\"'(),;:]+@[^\s<>@\"'(),;:]+>?")
ADDRESS_REDACTED = "<address>"


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


def redact_addresses(text: str) -> str:
    """`text` with every address-shaped part replaced by <address>: what a failure leaves in
    the log and the outbox must hold no personal data, since erasure cannot reach a log."""
    return _ADDRESS.sub(ADDRESS_REDACTED, text)


def failure_text(code: int | None, answer: str) -> str:
    """How a failed delivery is recorded: the SMTP code and the server's answer, redacted."""
    text = f"{code} {answer}" if code is not None else answer
    return redact_addresses(" ".join(text.split()))[:500]
