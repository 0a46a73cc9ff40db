"""Seats, the waiting list and one choice per parallel block."""
from dataclasses import dataclass
from typing import Iterable, Mapping

from .errors import InvalidChoice, SessionFull

CONFIRMED, WAITING = "confirmed", "waiting"


@dataclass(frozen=True)
class SeatState:
    """What the rule needs to know about one session, read while the session is locked."""

    capacity: int
    confirmed: int
    waitlist_enabled: bool = True

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.confirmed, 0)


def place_for_newcomer(state: SeatState, session_id=None) -> str:
    """A seat while there is one, else the end of the waiting list (if the session keeps one)."""
    if state.seats_left > 0:
        return CONFIRMED
    if state.waitlist_enabled:
        return WAITING
    raise SessionFull(session_id)


def promotions(state: SeatState, waiting_in_order: Iterable) -> list:
    """Who moves from the waiting list to a seat: the first ones, as many as seats are free."""
    return list(waiting_in_order)[: state.seats_left]


def validate_choices(
    blocks: Mapping[int, Iterable[int]], choices: Mapping[int, int]
) -> dict[int, int]:
    """Exactly one session of each parallel block that has sessions, and only this event's
    sessions. A block without sessions (an organiser is still filling it in) asks for
    nothing, so it never stops a sign-up; a choice in it is refused like any other.

    `blocks` maps each block id of the event to its session ids; `choices` maps block id to
    the chosen session id. Returns the choices as a clean dict, or raises InvalidChoice.
    """
    clean = {}
    for block_id, session_ids in blocks.items():
        offered = set(session_ids)
        chosen = choices.get(block_id)
        if not offered and chosen is None:
            continue
        if chosen is None or chosen not in offered:
            raise InvalidChoice(block_id)
        clean[block_id] = chosen
    extra = set(choices) - set(blocks)
    if extra:
        raise InvalidChoice(sorted(extra)[0])
    return clean


def ensure_event_has_room(capacity: int | None, registered: int) -> None:
    """The optional overall cap on the day, on top of each session's capacity."""
    from .errors import EventFull

    if capacity is not None and registered >= capacity:
        raise EventFull()


def ensure_capacity_allowed(new_capacity: int, confirmed: int) -> None:
    """Lowering a capacity may not take seats away from people who have them."""
    from .errors import CapacityBelowConfirmed

    if new_capacity < confirmed:
        raise CapacityBelowConfirmed(confirmed)
