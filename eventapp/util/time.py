"""Time helpers: the database stores naive UTC, people see Europe/Stockholm."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_to_utc(value, tz=STOCKHOLM):
    """A naive local (Stockholm) datetime to naive UTC."""
    return value.replace(tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)


def utc_to_local(value, tz=STOCKHOLM):
    return value.replace(tzinfo=timezone.utc).astimezone(tz)
