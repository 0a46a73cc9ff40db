"""Ranked preferences in the product (issue 14): rankings at sign-up and through the manage
link, the allocation run computed by the mail worker's step, preview and publish, on a real
database and with real mail."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventapp.domain import errors
from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.models import AllocationRun, OutboxMessage, ParallelBlock, SessionChoice
from eventapp.services import allocation, booking, preferences
from eventapp.util.time import utcnow
from tests.factories import details, make_event


def preference_event(capacities=(1, 1, 5), deadline_in=timedelta(days=1), mix_limit=None,
                     **fields):
    event = make_event(capacities=capacities, **fields)
    block = event.blocks[0]
    block.allocation_mode = ParallelBlock.PREFERENCES
    block.ranking_deadline = utcnow() + deadline_in if deadline_in is not None else None
    block.mix_limit = mix_limit
    db.session.commit()
    return event


def rank(event, n, *indexes, now=None, **overrides):
    """Sign person n up, ranking the sessions at `indexes` of the block."""
    block = event.blocks[0]
    ranking = [block.sessions[i].id for i in indexes]
    return booking.register(event.id, details(n, **overrides), {}, "sv", now or utcnow(),
                            rankings={block.id: ranking})


def kinds(registration=None):
    query = select(OutboxMessage.kind).order_by(OutboxMessage.id)
    if registration is not None:
        query = query.where(OutboxMessage.registration_id == registration.id)
    return list(db.session.scalars(query))


def allocate_now(event, seed=7):
    run = allocation.request_allocation(event.blocks[0].id, utcnow(), seed=seed)
    allocation.allocate_due(utcnow())
    return db.session.get(AllocationRun, run.id)


def places(event):
    rows = db.session.execute(
        select(SessionChoice.registration_id, SessionChoice.session_id, SessionChoice.state,
               SessionChoice.queue_no).where(SessionChoice.block_id == event.blocks[0].id)
        .order_by(SessionChoice.registration_id)).all()
    return [tuple(r) for r in rows]


def test_a_ranking_is_stored_and_takes_no_seat_but_counts_for_the_event(ctx):
    event = preference_event(capacity=2)
    first = rank(event, 1, 0, 1)
    assert preferences.ranking_of(first.id, event.blocks[0].id) == (
        event.blocks[0].sessions[0].id, event.blocks[0].sessions[1].id)
    assert first.choices == []
    rank(event, 2, 0, 1)
    with pytest.raises(errors.EventFull):
        rank(event, 3, 1, 0)  # the event's capacity counts people awaiting allocation


@pytest.mark.parametrize("indexes, error", [
    ((0,), errors.RankingIncomplete), ((), errors.RankingIncomplete),
    ((0, 0), errors.RankingDuplicate), ((0, None, 1), errors.RankingGap),
])
def test_ranking_rules_refuse_and_store_nothing(ctx, indexes, error):
    event = preference_event()
    block = event.blocks[0]
    ranking = [None if i is None else block.sessions[i].id for i in indexes]
    with pytest.raises(error) as refused:
        booking.register(event.id, details(1), {}, "sv", utcnow(), rankings={block.id: ranking})
    assert refused.value.block_id == block.id
    assert kinds() == []


def test_the_confirmation_says_preferences_received_and_when_allocation_happens(ctx, inbox):
    event = preference_event()
    rank(event, 1, 2, 0)
    deliver_due()
    body = inbox.messages[0].get_body(("plain",)).get_content()
    assert "1. Session 1.3" in body and "2. Session 1.1" in body
    assert "Vi har tagit emot dina önskemål" in body


def test_a_ranking_changes_until_ranking_closes(ctx):
    event = preference_event()
    block = event.blocks[0]
    person = rank(event, 1, 0, 1)
    assert preferences.change_ranking(person.id, block.id, [block.sessions[2].id,
                                                            block.sessions[0].id], utcnow())
    assert kinds(person) == ["confirmation", "preferences_changed"]
    allocation.request_allocation(block.id, utcnow())
    with pytest.raises(errors.RankingClosed):
        preferences.change_ranking(person.id, block.id, [block.sessions[1].id,
                                                         block.sessions[0].id], utcnow())
    assert preferences.ranking_of(person.id, block.id) == (block.sessions[2].id,
                                                           block.sessions[0].id)


def test_preview_then_publish_gives_seats_waiting_places_and_one_mail_each(ctx, inbox):
    event = preference_event(capacities=(1, 1, 5))
    block = event.blocks[0]
    a, b, c = (rank(event, n, 0, 1) for n in (1, 2, 3))
    run = allocate_now(event)
    assert run.status == AllocationRun.PREVIEW and run.solver.startswith("ortools")
    assert run.result["by_rank"] == [1, 1] and run.result["unseated"] == 1
    assert run.lottery["unseated"] == 1
    assert places(event) == []  # a preview gives nothing yet
    told = allocation.publish(run.id, utcnow())
    assert told == 3
    held = places(event)
    assert sorted(state for _r, _s, state, _q in held) == ["confirmed", "confirmed", "waiting"]
    assert db.session.get(ParallelBlock, block.id).allocation_mode == "first_come"
    assert sorted(kinds()[-3:]) == ["allocated", "allocated", "allocation_waiting"]
    # Publishing twice sends nothing more.
    assert allocation.publish(run.id, utcnow()) == 0
    assert len(kinds()) == 6
    deliver_due()
    waiting = [m for m in inbox.messages if "väntelista" in m["Subject"]]
    assert len(waiting) == 1
    text = waiting[0].get_body(("plain",)).get_content()
    assert "nummer 1 på väntelistan" in text
    seated = [m for m in inbox.messages if m["Subject"].startswith("Du har fått en plats")]
    assert len(seated) == 2 and all(
        any(p.get_content_type() == "text/calendar" for p in m.iter_attachments()) for m in seated)


def test_publish_refuses_when_rankings_changed_since_the_preview(ctx):
    event = preference_event(deadline_in=timedelta(days=1))
    rank(event, 1, 0, 1)
    run = allocate_now(event)
    rank(event, 2, 1, 0)  # after ranking closed: a late sign-up, accepted
    with pytest.raises(errors.AllocationChanged):
        allocation.publish(run.id, utcnow())
    assert places(event) == []


def test_late_sign_ups_are_placed_after_everyone_on_time(ctx):
    event = preference_event(capacities=(1, 1, 1))
    block = event.blocks[0]
    allocation.request_allocation(block.id, utcnow())
    late = rank(event, 1, 0, 1)  # ranking closed already: late
    on_time_ids = []
    db.session.rollback()
    block = db.session.get(ParallelBlock, block.id)
    block.ranking_closed_at = None
    db.session.commit()
    on_time_ids = [rank(event, n, 0, 1).id for n in (2, 3)]
    run = allocate_now(event)
    allocation.publish(run.id, utcnow())
    states = {r: (s, state) for r, s, state, _q in places(event)}
    assert all(states[r][1] == "confirmed" for r in on_time_ids)
    assert states[late.id][1] == "waiting"


def test_the_mail_worker_allocates_at_the_deadline_and_nothing_is_sent(ctx):
    event = preference_event(deadline_in=timedelta(hours=1))
    rank(event, 1, 0, 1)
    assert allocation.allocate_due(utcnow()) == 0
    assert allocation.allocate_due(utcnow() + timedelta(hours=2)) == 1
    run = allocation.latest_run(event.blocks[0].id)
    assert run.status == AllocationRun.PREVIEW
    assert db.session.get(ParallelBlock, event.blocks[0].id).ranking_closed_at is not None
    assert kinds() == ["confirmation"]


def test_rerun_with_the_same_seed_gives_the_same_allocation_and_a_new_seed_replaces_it(ctx):
    event = preference_event(capacities=(1, 1, 1))
    for n in range(1, 5):
        rank(event, n, 0, 1, 2)
    first = allocate_now(event, seed=11)
    again = allocate_now(event, seed=11)
    assert again.result["seats"] == first.result["seats"]
    assert db.session.get(AllocationRun, first.id).status == AllocationRun.STALE
    with pytest.raises(errors.AllocationNotReady):
        allocation.publish(first.id, utcnow())


def test_capacities_adjusted_for_a_rerun_are_used(ctx):
    event = preference_event(capacities=(1, 1, 1))
    block = event.blocks[0]
    for n in range(1, 4):
        rank(event, n, 0, 1)
    run = allocation.request_allocation(block.id, utcnow(), capacities={block.sessions[0].id: 3})
    allocation.allocate_due(utcnow())
    run = db.session.get(AllocationRun, run.id)
    assert run.result["by_rank"] == [3, 0]


def test_the_mode_changes_only_while_nobody_holds_a_place(ctx):
    event = make_event(capacities=(2, 2))
    block = event.blocks[0]
    allocation.save_settings(block.id, "preferences", None, "rank_maximal", 2, utcnow())
    allocation.save_settings(block.id, "first_come", None, "rank_maximal", None, utcnow())
    booking.register(event.id, details(1), {block.id: block.sessions[0].id}, "sv", utcnow())
    with pytest.raises(errors.AllocationModeLocked):
        allocation.save_settings(block.id, "preferences", None, "rank_maximal", None, utcnow())


def test_leads_see_how_many_ranked_their_session_at_each_rank(ctx):
    event = preference_event()
    rank(event, 1, 0, 1)
    rank(event, 2, 1, 0)
    rank(event, 3, 0, 2)
    assert preferences.session_rank_counts(event.blocks[0].sessions[0]) == [(1, 2), (2, 1)]


def test_a_reminder_can_address_those_awaiting_allocation_and_exports_hold_rankings(ctx):
    from eventapp.domain.reminders import Audience
    from eventapp.services.reminders import audience_of

    event = preference_event()
    awaiting = rank(event, 1, 1, 0)
    assert [r.id for r in audience_of(event.id, Audience(states=("awaiting",)))] == [awaiting.id]
    assert audience_of(event.id, Audience(states=("confirmed",))) == []
    ranked = preferences.rankings_for([awaiting.id], awaiting_only=False)[awaiting.id]
    assert [s.title for s in ranked[event.blocks[0]]] == ["Session 1.2", "Session 1.1"]


def test_the_preference_demo_ranks_allocates_and_publishes(ctx):
    from eventapp.demo import load_demo, load_preference_demo

    load_demo(participants=0)
    event, created = load_preference_demo(participants=30)
    assert created and load_preference_demo()[1] is False
    block = event.blocks[0]
    assert block.takes_preferences and allocation.awaiting_count(block.id) == 30
    run = allocate_now(event)
    assert run.status == AllocationRun.PREVIEW
    assert sum(run.result["by_rank"]) + run.result["unseated"] == 30
    assert run.result["unseated"] <= run.lottery["unseated"]
    assert allocation.publish(run.id, utcnow()) == 30
    # Demo people have example.org addresses and notify=False for sign-up; the publish
    # mails are queued like any other.
    assert kinds().count("allocated") == sum(run.result["by_rank"])


def test_a_persons_data_includes_their_wishes(ctx):
    from eventapp.services.privacy import personal_data

    event = preference_event()
    person = rank(event, 1, 2, 0)
    assert personal_data(person)["wishes"] == [
        {"block": "Dialogmöten 1", "sessions": ["Session 1.3", "Session 1.1"]}]
