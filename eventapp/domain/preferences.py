"""Ranked preferences for a parallel block (issue 14): when ranking is open, what a valid
ranking is, and when a block's mode may change. Pure: no Flask, no database, `now` passed in.
How the ranked people are then placed is allocation.py."""
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from .errors import (
    AllocationModeLocked,
    RankingClosed,
    RankingDuplicate,
    RankingGap,
    RankingIncomplete,
    RankingInvalid,
)

FIRST_COME, PREFERENCES = "first_come", "preferences"
MODES = (FIRST_COME, PREFERENCES)


def required_ranks(session_count: int) -> int:
    """A first choice always; a second too when the block has two or more sessions."""
    return min(session_count, 2)


def validate_ranking(session_ids: Iterable[int], ranking: Sequence[int | None]) -> tuple[int, ...]:
    """The ranking as a tuple of session ids, first choice first, or a RankingError.

    `ranking[i]` is the session picked for rank i + 1 (None: left empty). Empty ranks may
    only come at the end, no session twice, only the block's sessions.
    """
    offered = list(session_ids)
    picked = list(ranking)
    while picked and picked[-1] is None:
        picked.pop()
    for rank, session_id in enumerate(picked, 1):
        if session_id is None:
            raise RankingGap(rank)
        if session_id not in offered:
            raise RankingInvalid(rank)
        if session_id in picked[:rank - 1]:
            raise RankingDuplicate(rank)
    if len(picked) < required_ranks(len(offered)):
        raise RankingIncomplete(len(picked) + 1)
    return tuple(picked)


@dataclass(frozen=True)
class RankingWindow:
    """What decides whether a block still takes rankings."""

    mode: str
    deadline: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, block):
        return cls(block.allocation_mode, block.ranking_deadline, block.ranking_closed_at)


def ranking_open(window: RankingWindow, now: datetime) -> bool:
    """Rankings are taken (on time) until the deadline or until the organiser allocates."""
    if window.mode != PREFERENCES or window.closed_at is not None:
        return False
    return window.deadline is None or now < window.deadline


def is_late(window: RankingWindow, now: datetime) -> bool:
    """A ranking given after ranking closed (a new sign-up before publishing): kept, and
    placed after everyone on time."""
    return not ranking_open(window, now)


def ensure_ranking_changeable(window: RankingWindow, now: datetime) -> None:
    """A person may change their ranking only while ranking is open."""
    if not ranking_open(window, now):
        raise RankingClosed()


def ensure_mode_change_allowed(current: str, new: str, seats_held: int) -> None:
    """The mode changes only while nobody holds a seat (or a waiting-list place) in the block."""
    if new not in MODES:
        raise ValueError(f"unknown mode {new!r}")
    if new != current and seats_held:
        raise AllocationModeLocked(seats_held)
