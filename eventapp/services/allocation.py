"""Allocating a parallel block that takes preferences (issue 14): close ranking and queue a
run, compute it in the mail worker (never in a web worker: numpy and OR-Tools stay out of
web processes), show the preview, re-run with a new seed or other capacities, publish.

Each public function is one transaction, except `compute_queued`, which reads, computes
with no transaction open, and then stores the result in a short one.
"""
import logging
import secrets

from sqlalchemy import func, select

from ..domain import allocation as rules
from ..domain.errors import AllocationChanged, AllocationNotReady, NotFound
from ..domain.preferences import PREFERENCES, ensure_mode_change_allowed
from ..extensions import db
from ..models import AllocationRun, DialogueSession, ParallelBlock, Preference, Registration
from ..models import SessionChoice
from .activity import log_activity
from .booking import seat_state
from .outbox import enqueue
from .unit_of_work import lock_rows, write_transaction

log = logging.getLogger("eventapp.allocation")


def new_seed():
    return secrets.randbelow(2**31)


def allocation_input(block):
    """The block's applicants (active registrations with a ranking, late or not) and its
    sessions with the seats they have left, as the pure allocation wants them."""
    rows = db.session.execute(
        select(Preference.registration_id, Preference.session_id, Preference.late,
               Registration.organisation)
        .join(Registration, Registration.id == Preference.registration_id)
        .where(Preference.block_id == block.id, Registration.status == Registration.ACTIVE)
        .order_by(Preference.registration_id, Preference.rank)).all()
    ranked, late, organisation = {}, {}, {}
    for registration_id, session_id, is_late, org in rows:
        ranked.setdefault(registration_id, []).append(session_id)
        late[registration_id] = late.get(registration_id, False) or is_late
        organisation[registration_id] = org or ""
    applicants = [rules.Applicant(r, organisation[r], tuple(ranking), late[r])
                  for r, ranking in ranked.items()]
    sessions = [rules.SessionSeats(s.id, seat_state(s).seats_left, s.waitlist_enabled)
                for s in block.sessions]
    return applicants, sessions


def _block(block_id):
    block = lock_rows(ParallelBlock, [block_id]).get(block_id)
    if block is None:
        raise NotFound(block_id)
    return block


@write_transaction()
def save_settings(block_id, mode, deadline, objective, mix_limit, now, actor=None):
    """The organiser's settings of a block: mode, ranking deadline, objective and mix rule.
    The mode changes only while nobody holds a place in the block."""
    block = _block(block_id)
    held = db.session.scalar(select(func.count(SessionChoice.id)).where(
        SessionChoice.block_id == block.id, SessionChoice.state != SessionChoice.CANCELLED))
    ensure_mode_change_allowed(block.allocation_mode, mode, held)
    if objective not in (rules.RANK_MAXIMAL, rules.MIN_RANK_SUM):
        raise ValueError(f"unknown objective {objective!r}")
    if mode == PREFERENCES and block.allocation_mode != PREFERENCES:
        block.ranking_closed_at = None
    block.allocation_mode, block.ranking_deadline = mode, deadline
    block.allocation_objective, block.mix_limit = objective, mix_limit
    if actor is not None:
        log_activity(block.event_id, actor, "block.allocation_settings", block.title, now)
    return block


@write_transaction()
def request_allocation(block_id, now, actor=None, seed=None, capacities=None):
    """Close ranking for the block at once and queue an allocation run for the mail worker.

    The block row is locked (as `preferences.change_ranking` locks it), so every ranking
    committed before this is in the run's input, and every later one is refused or late.
    `capacities` ({session id: seats}) changes the sessions' capacities first.
    """
    block = _block(block_id)
    if block.allocation_mode != PREFERENCES:
        raise AllocationNotReady()
    if block.ranking_closed_at is None:
        block.ranking_closed_at = now
    if capacities:
        sessions = lock_rows(DialogueSession, capacities)
        for session_id, seats in capacities.items():
            if session_id in sessions and sessions[session_id].block_id == block.id:
                sessions[session_id].capacity = max(int(seats), 0)
    for earlier in db.session.scalars(select(AllocationRun).where(
            AllocationRun.block_id == block.id,
            AllocationRun.status.in_((AllocationRun.QUEUED, AllocationRun.PREVIEW)))):
        earlier.status = AllocationRun.STALE
    run = AllocationRun(block_id=block.id, seed=new_seed() if seed is None else seed,
                        status=AllocationRun.QUEUED, capacities={}, created_at=now)
    db.session.add(run)
    if actor is not None:
        log_activity(block.event_id, actor, "block.allocation_requested", block.title, now)
    db.session.flush()
    return run


def allocate_due(now):
    """What the mail worker does each round: close ranking where the deadline has passed,
    then compute what is queued (the organiser publishes; nothing is sent from here)."""
    queue_due_allocations(now)
    return compute_queued(now)


def queue_due_allocations(now):
    """The mail worker's step: every block whose ranking deadline has passed gets its run."""
    due = db.session.scalars(select(ParallelBlock.id).where(
        ParallelBlock.allocation_mode == PREFERENCES, ParallelBlock.ranking_closed_at.is_(None),
        ParallelBlock.ranking_deadline <= now)).all()
    db.session.rollback()
    for block_id in due:
        request_allocation(block_id, now)
    return len(due)


def compute_queued(now, limit=5):
    """The mail worker's step: compute queued runs (the solve runs with no transaction open)."""
    run_ids = db.session.scalars(select(AllocationRun.id).where(
        AllocationRun.status == AllocationRun.QUEUED).order_by(AllocationRun.id)
        .limit(limit)).all()
    db.session.rollback()
    for run_id in run_ids:
        compute(run_id, now)
    return len(run_ids)


def compute(run_id, now):
    run = db.session.get(AllocationRun, run_id)
    block = run.block
    applicants, sessions = allocation_input(block)
    seed, mix_limit, objective = run.seed, block.mix_limit, block.allocation_objective
    db.session.rollback()
    try:
        result = rules.allocate(applicants, sessions, seed=seed, mix_limit=mix_limit,
                                objective=objective)
        plain = rules.lottery(applicants, sessions, seed=seed, mix_limit=mix_limit)
    except Exception as exc:  # a bug must not stop the mail worker: the page shows it
        log.exception("allocation run %s failed", run_id)
        _store(run_id, None, None, str(exc)[:500], now, {})
        return
    _store(run_id, result, plain, "", now, {s.id: s.capacity for s in sessions})


@write_transaction()
def _store(run_id, result, plain, error, now, capacities):
    run = lock_rows(AllocationRun, [run_id]).get(run_id)
    if run is None or run.status != AllocationRun.QUEUED:
        return  # replaced by a newer run meanwhile
    run.computed_at = now
    run.capacities = {str(k): v for k, v in capacities.items()}
    if result is None:
        run.status, run.error = AllocationRun.FAILED, error
        return
    run.status, run.solver, run.input_digest = AllocationRun.PREVIEW, result.solver, \
        result.input_digest
    run.result, run.lottery = result.to_dict(), plain.to_dict()


def latest_run(block_id):
    return db.session.scalar(select(AllocationRun).where(AllocationRun.block_id == block_id)
                             .order_by(AllocationRun.id.desc()).limit(1))


@write_transaction()
def publish(run_id, now, actor=None):
    """Give the seats of a previewed run, in one transaction: seats and waiting-list places
    in lottery order (late sign-ups after everyone on time), one mail each; the block is
    first come afterwards. Refused if rankings, registrations or capacities changed since
    the preview. Publishing a published run again does nothing and sends nothing.
    Returns how many people were told."""
    run = db.session.get(AllocationRun, run_id)
    if run is None:
        raise NotFound(run_id)
    block = _block(run.block_id)
    run = lock_rows(AllocationRun, [run_id])[run_id]
    if run.status == AllocationRun.PUBLISHED:
        return 0
    if run.status != AllocationRun.PREVIEW or block.allocation_mode != PREFERENCES:
        raise AllocationNotReady()
    # Lock order as in booking: registrations before sessions.
    registrations = lock_rows(Registration, db.session.scalars(
        select(Preference.registration_id).where(Preference.block_id == block.id)))
    sessions = lock_rows(DialogueSession, [s.id for s in block.sessions])
    result = rules.Allocation.from_dict(run.result)
    applicants, seats = allocation_input(block)
    if (rules.input_digest(applicants, seats, result.mix_limit) != run.input_digest
            or result.mix_limit != block.mix_limit or result.objective != block.allocation_objective):
        raise AllocationChanged()
    for registration_id, session_id in result.seats.items():
        _place(registrations[registration_id], sessions[session_id], SessionChoice.CONFIRMED,
               now)
    for session_id, waiting in result.waiting.items():
        for registration_id in waiting:
            _place(registrations[registration_id], sessions[session_id],
                   SessionChoice.WAITING, now)
    for registration_id in result.unplaced:
        enqueue("allocation_unplaced", registrations[registration_id], now, block_id=block.id)
    block.allocation_mode = ParallelBlock.FIRST_COME
    run.status, run.published_at = AllocationRun.PUBLISHED, now
    if actor is not None:
        log_activity(block.event_id, actor, "block.allocation_published", block.title, now)
    return len(applicants)


def _place(registration, session, state, now):
    choice = SessionChoice(block_id=session.block_id, session_id=session.id, state=state,
                           created_at=now, updated_at=now)
    choice.session = session
    if state == SessionChoice.WAITING:
        session.waiting_seq += 1
        choice.queue_no = session.waiting_seq
    registration.choices.append(choice)
    registration.ics_sequence += 1
    kind = "allocated" if state == SessionChoice.CONFIRMED else "allocation_waiting"
    enqueue(kind, registration, now, block_id=session.block_id, session_id=session.id,
            sequence=registration.ics_sequence)


def awaiting_count(block_id):
    """How many active registrations have ranked the block."""
    return db.session.scalar(
        select(func.count(func.distinct(Preference.registration_id)))
        .join(Registration, Registration.id == Preference.registration_id)
        .where(Preference.block_id == block_id, Registration.status == Registration.ACTIVE))
