"""Rankings of a parallel block that takes preferences (issue 14): stored at sign-up,
changed through the manage link until ranking closes, counted for leads and exports.

`record_rankings` is a step of the sign-up transaction (booking.register_in_transaction);
`change_ranking` is a use case of its own.
"""
from collections import Counter

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from ..domain import preferences as rules
from ..domain.errors import NotFound, RankingError
from ..extensions import db
from ..models import DialogueSession, ParallelBlock, Preference, Registration
from .outbox import enqueue
from .unit_of_work import lock_rows, write_transaction


def awaiting_blocks(event):
    """The blocks of the event whose seats an allocation gives (not yet published)."""
    return [block for block in event.blocks if block.takes_preferences]


def lock_awaiting_blocks(event):
    """Lock the blocks taking preferences (and read them again), so that a sign-up and the
    organiser's "allocate" or "publish" happen one after the other, never across."""
    awaiting = [block.id for block in event.blocks if block.takes_preferences]
    if awaiting:
        lock_rows(ParallelBlock, awaiting)


def validate_rankings(event, rankings):
    """Each awaiting block's ranking checked ({block id: tuple of session ids}); the first
    error raised carries its block id, so a form can show it beside that block."""
    clean = {}
    for block in awaiting_blocks(event):
        try:
            clean[block.id] = rules.validate_ranking([s.id for s in block.sessions],
                                                     rankings.get(block.id, ()))
        except RankingError as exc:
            exc.block_id = block.id
            raise
    return clean


def record_rankings(registration, event, clean, now):
    """Store a new registration's rankings (a step of the sign-up transaction); the ranks
    given after ranking closed are marked late."""
    for block in awaiting_blocks(event):
        late = rules.is_late(rules.RankingWindow.of(block), now)
        _write_ranking(registration, block, clean[block.id], late, now)


def _write_ranking(registration, block, ranking, late, now):
    db.session.execute(delete(Preference).where(Preference.registration_id == registration.id,
                                                Preference.block_id == block.id))
    db.session.flush()
    for rank, session_id in enumerate(ranking, 1):
        db.session.add(Preference(registration=registration, registration_id=registration.id,
                                  block_id=block.id, session_id=session_id, rank=rank,
                                  late=late, created_at=now))


@write_transaction()
def change_ranking(registration_id, block_id, ranking, now):
    """A person changes their ranking of one block, while ranking is open (one transaction).

    The block row is locked first: an organiser pressing "allocate" locks it too, so a
    change either commits before ranking closes (and is in the allocation) or sees it
    closed and is refused with RankingClosed; it is never lost.
    """
    block = lock_rows(ParallelBlock, [block_id]).get(block_id)
    registration = lock_rows(Registration, [registration_id]).get(registration_id)
    if block is None or registration is None or block.event_id != registration.event_id:
        raise NotFound(block_id)
    if not registration.is_active or registration.is_anonymised:
        raise NotFound(registration_id)
    rules.ensure_ranking_changeable(rules.RankingWindow.of(block), now)
    try:
        clean = rules.validate_ranking([s.id for s in block.sessions], ranking)
    except RankingError as exc:
        exc.block_id = block.id
        raise
    if clean == ranking_of(registration.id, block.id):
        return False
    _write_ranking(registration, block, clean, False, now)
    registration.updated_at = now
    enqueue("preferences_changed", registration, now, block_id=block.id)
    return True


def ranking_of(registration_id, block_id):
    return tuple(db.session.scalars(
        select(Preference.session_id).where(Preference.registration_id == registration_id,
                                            Preference.block_id == block_id)
        .order_by(Preference.rank)))


def rankings_for(registration_ids, awaiting_only=True):
    """{registration id: {block: [session, ...] first choice first}} for the blocks still
    awaiting allocation (or all, for exports), in one query (mail delivery asks for its
    whole batch)."""
    ids = sorted(set(registration_ids))
    if not ids:
        return {}
    query = select(Preference).where(Preference.registration_id.in_(ids)).join(
        ParallelBlock, ParallelBlock.id == Preference.block_id)
    if awaiting_only:
        query = query.where(ParallelBlock.allocation_mode == ParallelBlock.PREFERENCES)
    rows = db.session.scalars(
        query.options(joinedload(Preference.block), joinedload(Preference.session))
        .order_by(Preference.registration_id, ParallelBlock.starts_at, Preference.block_id,
                  Preference.rank)).all()
    ranked = {}
    for row in rows:
        ranked.setdefault(row.registration_id, {}).setdefault(row.block, []).append(row.session)
    return ranked


def rankings_of(registration):
    """{block: [session, ...]} for one registration's blocks awaiting allocation."""
    return rankings_for([registration.id]).get(registration.id, {})


def rank_counts(block_id):
    """For the leads: {session id: {rank: people}} among active registrations."""
    rows = db.session.execute(
        select(Preference.session_id, Preference.rank)
        .join(Registration, Registration.id == Preference.registration_id)
        .where(Preference.block_id == block_id, Registration.status == Registration.ACTIVE))
    counts = {}
    for session_id, rank in rows:
        counts.setdefault(session_id, Counter())[rank] += 1
    return counts


def session_rank_counts(session: DialogueSession):
    """How many ranked this session at each rank, 1st first: [(rank, people), ...]."""
    per_rank = rank_counts(session.block_id).get(session.id, Counter())
    return sorted(per_rank.items())
