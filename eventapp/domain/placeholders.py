"""The placeholders a reminder may hold: one object each renders a person's value and a sample,
so the preview and the delivered mail cannot drift apart."""
import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from babel.dates import format_date, format_time

from ..util.time import utc_to_local

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# A made-up person for previews when nobody is in the audience yet.
SAMPLE_NAME = "Maria Andersson"


def N_(text):
    """Marks an English text for the catalogue; it is translated where it is shown."""
    return text


@dataclass(frozen=True)
class Session:
    title: str
    room: str = ""
    starts_at: datetime | None = None  # the parallel block's times, naive UTC
    ends_at: datetime | None = None
    waiting_position: int | None = None  # on the waiting list, number …; None: has a seat


@dataclass(frozen=True)
class Recipient:
    name: str
    sessions: tuple[Session, ...] = ()  # those they have a seat in or wait for, in block order


@dataclass(frozen=True)
class PlaceholderContext:
    """What the placeholders are filled from, as plain data. Without a recipient, each
    placeholder gives its sample."""

    locale: str  # the language of the text being filled: dates and times follow it
    event_title: str
    starts_at: datetime  # naive UTC, as stored
    venue: str
    address: str
    manage_link: str  # the person's link at delivery; a preview shows a stand-in
    recipient: Recipient | None = None
    sample_session: Session | None = None  # the event's first session, for samples
    # Words the session lines need, in the text's language (the service translates them).
    room_word: str = "room"
    waiting_note: str = "waiting list, number {pos}"


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: str  # for the editor, English (N_), translated where it is shown
    render: Callable[[PlaceholderContext], str]
    # None: the value depends on the event alone, so the sample is the real value.
    sample: Callable[[PlaceholderContext], str] | None = None

    def value(self, context):
        if context.recipient is None and self.sample is not None:
            return self.sample(context)
        return self.render(context)


def _titles(sessions):
    return ", ".join(s.title for s in sessions)


def _rooms(sessions):
    return ", ".join(s.room for s in sessions if s.room)


# A reminder to a thousand people formats the same few moments a thousand times.
@functools.lru_cache(maxsize=1024)
def _day(moment, locale):
    return format_date(utc_to_local(moment), "long", locale=locale)


@functools.lru_cache(maxsize=1024)
def _clock(moment, locale):
    return format_time(utc_to_local(moment), "HH:mm", locale=locale)


def _time(moment, context):
    return _clock(moment, context.locale)


def _session_line(session, context):
    """"13:00–14:30 Data som råvara, lokal Sal A (väntelista, nummer 3)"."""
    line = session.title
    if session.starts_at and session.ends_at:
        line = f"{_time(session.starts_at, context)}–{_time(session.ends_at, context)} {line}"
    if session.room:
        line += f", {context.room_word} {session.room}"
    if session.waiting_position is not None:
        line += f" ({context.waiting_note.format(pos=session.waiting_position)})"
    return line


def _session_lines(sessions, context):
    # One line each: titles may hold commas, and a person may wait in one block only.
    return "\n".join(_session_line(session, context) for session in sessions)


def _sample_sessions(context):
    return (context.sample_session,) if context.sample_session else ()


PLACEHOLDERS = (
    Placeholder("name", N_("the person's name"),
                lambda c: c.recipient.name, lambda c: SAMPLE_NAME),
    Placeholder("event", N_("the event's title"), lambda c: c.event_title),
    Placeholder("date", N_("the day of the event"),
                lambda c: _day(c.starts_at, c.locale)),
    Placeholder("time", N_("when the event starts"),
                lambda c: _clock(c.starts_at, c.locale)),
    Placeholder("venue", N_("the venue and its address"),
                lambda c: ", ".join(part for part in (c.venue, c.address) if part)),
    Placeholder("session", N_("the person's dialogue sessions"),
                lambda c: _titles(c.recipient.sessions), lambda c: _titles(_sample_sessions(c))),
    Placeholder("sessions", N_("each of the person's dialogue sessions on a line of its own, "
                               "with its time, room and any place on the waiting list"),
                lambda c: _session_lines(c.recipient.sessions, c),
                lambda c: _session_lines(_sample_sessions(c), c)),
    Placeholder("room", N_("the rooms of those sessions"),
                lambda c: _rooms(c.recipient.sessions), lambda c: _rooms(_sample_sessions(c))),
    Placeholder("manage_link", N_("the person's own link to change or cancel"),
                lambda c: c.manage_link),
)
BY_NAME = {placeholder.name: placeholder for placeholder in PLACEHOLDERS}


def unknown_placeholders(*texts):
    """Placeholder names used in the texts that we cannot fill in."""
    found = []
    for text in texts:
        for name in _PLACEHOLDER.findall(text or ""):
            if name.strip() not in BY_NAME and name not in found:
                found.append(name)
    return found


def values(context):
    """{name: value} of every placeholder for the context's recipient (or its samples)."""
    return {placeholder.name: placeholder.value(context) for placeholder in PLACEHOLDERS}


def fill(text, context):
    """The text with each placeholder replaced by its value; an unknown one is left as typed
    (texts are checked when saved, so only an old text could hold one). Only the placeholders
    the text uses are worked out, each once."""
    filled = {}

    def value(match):
        name = match.group(1).strip()
        if name not in BY_NAME:
            return match.group(0)
        if name not in filled:
            filled[name] = BY_NAME[name].value(context)
        return filled[name]

    return _PLACEHOLDER.sub(value, text or "")


def fill_reminder(subject, body, context):
    """A reminder's (subject, body) for the context: the subject on one line, as mail wants."""
    return " ".join(fill(subject, context).split()), fill(body, context)
