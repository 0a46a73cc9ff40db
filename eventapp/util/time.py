"""Time helpers: the database stores naive UTC, people see Europe/Stockholm.

Nothing here overflows at the ends of the calendar (year 1, year 9999): forms keep what people
type to sane years, but a page or a message must still render whatever is stored.
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# The years a date people type must fall in (web/forms.py): far enough either way for any
# event, and far from the ends of the calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _convert(value, source, target):
    try:
        return value.replace(tzinfo=source).astimezone(target)
    except OverflowError:
        # Within an hour or two of datetime.min or max, where that hour cannot matter.
        return value.replace(tzinfo=target)


def local_to_utc(value, tz=STOCKHOLM):
    """A naive local (Stockholm) datetime to naive UTC."""
    return _convert(value, tz, timezone.utc).replace(tzinfo=None)


def utc_to_local(value, tz=STOCKHOLM):
    return _convert(value, timezone.utc, tz)


def shift(value, delta: timedelta):
    """`value + delta` for a date or datetime, held at the end of the calendar it would pass."""
    try:
        return value + delta
    except OverflowError:
        end = type(value).max if delta > timedelta(0) else type(value).min
        return end.replace(tzinfo=value.tzinfo) if isinstance(value, datetime) else end
