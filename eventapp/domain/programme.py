"""The programme's rules: where a new entry starts, which sessions clash over a lead or a room,
finding the organiser's known leads, and moving a session up or down within its pass."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from ..util.collation import swedish_key
from .errors import NotFound
from .signup import email_key

DEFAULT_LENGTH = timedelta(hours=1)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


def next_slot(event_starts_at: datetime, event_ends_at: datetime,
              entries: Iterable[Slot]) -> Slot:
    """Where a new plenary item or pass goes: from the latest end among the programme's entries
    (the event's start while it is empty), as long as that entry (an hour when there is none),
    cut at the event's end when the event ends later than the start."""
    latest = max(entries, key=lambda entry: entry.ends_at, default=None)
    if latest is None:
        start, length = event_starts_at, DEFAULT_LENGTH
    else:
        start, length = latest.ends_at, latest.ends_at - latest.starts_at
    end = start + (length if length > timedelta(0) else DEFAULT_LENGTH)
    if start < event_ends_at < end:
        end = event_ends_at
    return Slot(start, end)


def overlaps(a: Slot, b: Slot) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


# --- leads and rooms booked twice ---------------------------------------------------------


def _folded(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def lead_key(email: str, lead_id=None) -> str:
    """One person, whichever lead row stands for them: their address's key, else the row."""
    return f"email:{email_key(email)}" if (email or "").strip() else f"lead:{lead_id}"


@dataclass(frozen=True)
class Person:
    key: str
    name: str


@dataclass(frozen=True)
class Booking:
    """A session as the clash check sees it: when its pass runs, its room and its leads."""

    session_id: int | None
    title: str
    block_id: int
    block_title: str
    slot: Slot
    room: str = ""
    leads: tuple[Person, ...] = ()


@dataclass(frozen=True, order=True)
class Clash:
    """`what` (a lead's name, or a room) is also booked for `other` while `booking` runs."""

    kind: str  # "lead" or "room"
    what: str
    other_title: str
    other_block_title: str
    same_block: bool
    other_slot: Slot = field(compare=False)


LEAD, ROOM = "lead", "room"


def clashes(booking: Booking, others: Iterable[Booking]) -> list[Clash]:
    """Every lead or room of `booking` that another session in the same pass, or in a pass at
    an overlapping time, also has. A warning for the organiser, never a refusal: one person may
    well open two sessions, and "Sal A" may be two rooms in two buildings."""
    room = _folded(booking.room)
    found = []
    for other in others:
        if other.session_id is not None and other.session_id == booking.session_id:
            continue
        if other.block_id != booking.block_id and not overlaps(booking.slot, other.slot):
            continue
        theirs = {person.key for person in other.leads}

        def clash(kind, what):
            return Clash(kind, what, other.title, other.block_title,
                         other.block_id == booking.block_id, other.slot)

        found += [clash(LEAD, person.name) for person in booking.leads if person.key in theirs]
        if room and room == _folded(other.room):
            found.append(clash(ROOM, booking.room))
    return sorted(set(found))


def new_clashes(after: Sequence[Clash], before: Sequence[Clash]) -> list[Clash]:
    """The clashes a save would add: one the organiser kept before is not asked about again."""
    kept = set(before)
    return [c for c in after if c not in kept]


# --- the organiser's known leads ------------------------------------------------------------


@dataclass(frozen=True)
class KnownLead:
    lead_id: int
    name: str
    email: str


def leads_named(name: str, known: Iterable[KnownLead]) -> list[KnownLead]:
    """The known leads with exactly this name (case and spacing aside)."""
    wanted = _folded(name)
    return [lead for lead in known if _folded(lead.name) == wanted]


def matching_leads(query: str, known: Iterable[KnownLead], limit: int = 10) -> list[KnownLead]:
    """Leads whose name or address contains the query; names that start with it first, then
    in Swedish order. Fewer than two characters match nothing: every lead is not a search."""
    wanted = _folded(query)
    if len(wanted) < 2:
        return []
    hits = [lead for lead in known
            if wanted in _folded(lead.name) or wanted in _folded(lead.email)]
    hits.sort(key=lambda lead: (not _folded(lead.name).startswith(wanted),
                                swedish_key(lead.name), lead.email))
    return hits[:limit]


# --- order within a pass --------------------------------------------------------------------

UP, DOWN = "up", "down"


def moved(order: Sequence[int], session_id: int, direction: str) -> list[int]:
    """The pass's sessions after moving one a place up or down; at either end it stays put."""
    if session_id not in order:
        raise NotFound(session_id)
    ids = list(order)
    at = ids.index(session_id)
    to = at - 1 if direction == UP else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
    return ids
