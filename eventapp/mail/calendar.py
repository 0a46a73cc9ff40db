"""The .ics attachment: one stable UID per registration, a rising SEQUENCE, Europe/Stockholm."""
from datetime import date, timedelta, timezone
from urllib.parse import urlsplit

from icalendar import Calendar, Event as VEvent, vCalAddress, vText

from ..util.time import FIRST_YEAR, LAST_YEAR, utc_to_local as _local


def registration_calendar(registration, event, *, sequence, cancelled, description, base_url, now):
    """A METHOD:REQUEST calendar for a live registration, METHOD:CANCEL for a cancelled one."""
    cal = Calendar()
    cal.add("prodid", "-//Digitala Västerbotten//eventapp//SV")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")

    vevent = VEvent()
    host = urlsplit(base_url).hostname or "eventapp"
    vevent.add("uid", f"{registration.uid}@{host}")
    vevent.add("sequence", sequence)
    vevent.add("dtstamp", now.replace(tzinfo=timezone.utc))
    vevent.add("dtstart", _local(event.starts_at))
    vevent.add("dtend", _local(event.ends_at))
    vevent.add("summary", event.title)
    vevent.add("location", ", ".join(part for part in (event.venue, event.address) if part))
    vevent.add("description", description)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if event.contact_email:
        organizer = vCalAddress(f"mailto:{event.contact_email}")
        organizer.params["cn"] = vText(event.contact_name or event.contact_email)
        vevent.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["cn"] = vText(registration.name)
    attendee.params["partstat"] = vText("ACCEPTED" if not cancelled else "DECLINED")
    vevent.add("attendee", attendee)
    cal.add_component(vevent)
    # Only the DST rules around the event: a compact VTIMEZONE that every calendar reads. An
    # event stored far outside the years a form accepts gets those of the nearest such year.
    start = _local(event.starts_at).date()
    around = min(max(start, date(FIRST_YEAR, 1, 1)), date(LAST_YEAR, 12, 31))
    cal.add_missing_timezones(around - timedelta(days=366), around + timedelta(days=366))
    return cal.to_ical()
