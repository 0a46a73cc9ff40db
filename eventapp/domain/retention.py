"""How long personal data is kept: rules with the clock passed in."""
from datetime import datetime, timedelta

from ..util.time import shift


def sensitive_data_due(ends_at: datetime, days: int, now: datetime) -> bool:
    """Dietary and accessibility answers (health-related) go first."""
    return now >= shift(ends_at, timedelta(days=days))


def anonymisation_due(ends_at: datetime, days: int, now: datetime) -> bool:
    """Everything that identifies a person goes when the retention period ends."""
    return now >= shift(ends_at, timedelta(days=days))
