"""Allocating ranked preferences: properties, brute force on small blocks, hand-made cases."""
import json
import random
import subprocess
import sys
from collections import Counter, defaultdict, deque
from itertools import product
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventapp.domain.allocation import (
    MIN_RANK_SUM,
    RANK_MAXIMAL,
    Allocation,
    Applicant,
    MixExcess,
    SessionSeats,
    allocate,
    lottery,
    lottery_order,
)
from eventapp.domain.allocation_flow import ortools_solver

ORGANISATIONS = ["", "Umeå kommun", "Region Västerbotten", "Lycksele kommun"]
OBJECTIVES = [RANK_MAXIMAL, MIN_RANK_SUM]
QUICK = settings(derandomize=True, deadline=None, max_examples=150)


@st.composite
def blocks(draw, max_people=30, max_sessions=6, max_capacity=8, late=True, min_people=1):
    """A random block: sessions with seats (some none), people with rankings and late ones."""
    ids = draw(st.lists(st.integers(1, 99), min_size=1, max_size=max_sessions, unique=True))
    ids += [i + 100 for i in range(draw(st.integers(0, max_sessions - len(ids))))]
    sessions = [SessionSeats(i, draw(st.integers(0, max_capacity)), draw(st.booleans()))
                for i in ids]
    people = []
    for pid in draw(st.lists(st.integers(1, 999), min_size=min_people, max_size=max_people,
                                       unique=True)):
        ranking = draw(st.permutations(ids))[:draw(st.integers(1, len(ids)))]
        people.append(Applicant(pid, draw(st.sampled_from(ORGANISATIONS)), tuple(ranking),
                                late=late and draw(st.integers(0, 3)) == 0))
    mix_limit = draw(st.one_of(st.none(), st.integers(1, 3)))
    return people, sessions, mix_limit


def small_blocks(late=True):
    return blocks(max_people=7, max_sessions=3, max_capacity=3, late=late, min_people=2)


def score(seats, placed, people, sessions, mix_limit, objective):
    """The lexicographic objective of `placed` (a part of `seats`), or None if over capacity."""
    taken = Counter(seats.values())
    if any(taken[s.id] > s.capacity for s in sessions):
        return None
    organisation = {p.id: p.organisation for p in people}
    mixed = Counter((organisation[p], s) for p, s in seats.items() if organisation[p])
    excess = sum(max(n - mix_limit, 0) for n in mixed.values()) if mix_limit else 0
    ranking = {p.id: p.ranking for p in people}
    ranks = [ranking[p].index(s) + 1 for p, s in placed.items()]
    if objective == RANK_MAXIMAL:
        longest = max((len(r) for r in ranking.values()), default=0)
        rank_key = tuple(ranks.count(r) for r in range(1, longest + 1))
    else:
        rank_key = -sum(ranks)
    return len(placed), -excess, rank_key


def best_by_brute_force(group, people, sessions, mix_limit, objective, seats_before):
    best = None
    for choice in product(*[(None, *p.ranking) for p in group]):
        placed = {p.id: s for p, s in zip(group, choice) if s is not None}
        value = score({**seats_before, **placed}, placed, people, sessions, mix_limit, objective)
        if value is not None and (best is None or value > best):
            best = value
    return best


def max_flow(arcs, source, sink):
    """Edmonds-Karp on (tail, head, capacity) arcs: an independent check of what is feasible."""
    residual = defaultdict(Counter)
    for tail, head, capacity in arcs:
        residual[tail][head] += capacity
    total = 0
    while True:
        parent, queue = {source: None}, deque([source])
        while queue and sink not in parent:
            node = queue.popleft()
            for nxt, capacity in residual[node].items():
                if capacity > 0 and nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if sink not in parent:
            return total
        node = sink
        while parent[node] is not None:
            residual[parent[node]][node] -= 1
            residual[node][parent[node]] += 1
            node = parent[node]
        total += 1


def most_seated(people, sessions, mix_limit=None):
    """How many can be seated at all; with a limit, without ever going over it."""
    arcs = [("source", ("person", p.id), 1) for p in people]
    arcs += [(("session", s.id), "sink", s.capacity) for s in sessions]
    for p in people:
        for s in p.ranking:
            if mix_limit and p.organisation:
                arcs.append((("person", p.id), ("entry", p.organisation, s), 1))
            else:
                arcs.append((("person", p.id), ("session", s), 1))
    for organisation in {p.organisation for p in people if p.organisation}:
        for s in sessions:
            arcs.append((("entry", organisation, s.id), ("session", s.id), mix_limit or 0))
    return max_flow(arcs, "source", "sink")


# --- properties on random blocks ------------------------------------------------------


@QUICK
@given(blocks(), st.integers(0, 2**32), st.sampled_from(OBJECTIVES))
def test_capacity_holds_and_everyone_seated_ranked_that_session(block, seed, objective):
    people, sessions, mix_limit = block
    result = allocate(people, sessions, seed=seed, mix_limit=mix_limit, objective=objective)
    taken = Counter(result.seats.values())
    assert all(taken[s.id] <= s.capacity for s in sessions)
    ranking = {p.id: p.ranking for p in people}
    assert all(s in ranking[p] for p, s in result.seats.items())


@QUICK
@given(blocks(), st.integers(0, 2**32))
def test_never_fewer_seated_than_the_lottery(block, seed):
    people, sessions, mix_limit = block
    ours = allocate(people, sessions, seed=seed, mix_limit=mix_limit)
    plain = lottery(people, sessions, seed=seed, mix_limit=mix_limit)
    assert len(ours.seats) >= len(plain.seats)
    assert len(ours.seats) == most_seated([p for p in people if not p.late], sessions) \
        or any(p.late for p in people)


@QUICK
@given(blocks(late=False), st.integers(0, 2**32))
def test_the_mix_rule_holds_whenever_it_can_together_with_seating_the_most(block, seed):
    people, sessions, mix_limit = block
    result = allocate(people, sessions, seed=seed, mix_limit=mix_limit)
    assert len(result.seats) == most_seated(people, sessions)
    if mix_limit and most_seated(people, sessions, mix_limit) == len(result.seats):
        assert result.relaxed == []


@QUICK
@given(blocks(), st.integers(0, 2**32), st.randoms(use_true_random=False))
def test_same_seed_same_allocation_whatever_the_input_order(block, seed, rnd):
    people, sessions, mix_limit = block
    first = allocate(people, sessions, seed=seed, mix_limit=mix_limit)
    rnd.shuffle(people)
    rnd.shuffle(sessions)
    assert allocate(people, sessions, seed=seed, mix_limit=mix_limit) == first
    assert lottery(people, sessions, seed=seed, mix_limit=mix_limit) \
        == lottery(people[::-1], sessions[::-1], seed=seed, mix_limit=mix_limit)


@QUICK
@given(blocks(), st.integers(0, 2**32), st.sampled_from(OBJECTIVES))
def test_the_seed_breaks_ties_not_the_order_the_solver_sees_the_arcs_in(block, seed, objective):
    people, sessions, mix_limit = block
    solve, name = ortools_solver()

    def backwards(num_nodes, tails, heads, capacities, costs, supplies):
        turn = slice(None, None, -1)
        return solve(num_nodes, tails[turn].copy(), heads[turn].copy(), capacities[turn].copy(),
                     costs[turn].copy(), supplies)[turn]

    assert allocate(people, sessions, seed=seed, mix_limit=mix_limit, objective=objective,
                    solver=(backwards, name)) \
        == allocate(people, sessions, seed=seed, mix_limit=mix_limit, objective=objective)


@QUICK
@given(blocks(), st.integers(0, 2**32))
def test_late_sign_ups_never_displace_anyone_on_time(block, seed):
    people, sessions, mix_limit = block
    on_time = [p for p in people if not p.late]
    everyone = allocate(people, sessions, seed=seed, mix_limit=mix_limit).seats
    alone = allocate(on_time, sessions, seed=seed, mix_limit=mix_limit).seats
    assert {p: s for p, s in everyone.items() if p in alone or p in {q.id for q in on_time}} \
        == alone


@QUICK
@given(blocks(), st.integers(0, 2**32))
def test_the_unseated_wait_for_their_first_choice_in_lottery_order(block, seed):
    people, sessions, mix_limit = block
    result = allocate(people, sessions, seed=seed, mix_limit=mix_limit)
    by_id = {s.id: s for s in sessions}
    unseated = [p for p in lottery_order(people, seed) if p.id not in result.seats]
    taken = Counter(result.seats.values())
    for p in unseated:  # only full sessions were ranked, else seating the most would seat them
        assert all(taken[s] == by_id[s].capacity for s in p.ranking)
    expected = defaultdict(list)
    for p in unseated:
        if by_id[p.ranking[0]].waitlist:
            expected[p.ranking[0]].append(p.id)
    assert result.waiting == dict(sorted(expected.items()))
    assert result.unplaced == [p.id for p in unseated if not by_id[p.ranking[0]].waitlist]
    assert result.unseated == len(unseated) == sum(f.waiting for f in result.fill.values()) \
        + len(result.unplaced)


@QUICK
@given(blocks(), st.integers(0, 2**32))
def test_the_result_survives_a_trip_through_json(block, seed):
    people, sessions, mix_limit = block
    for result in (allocate(people, sessions, seed=seed, mix_limit=mix_limit),
                   lottery(people, sessions, seed=seed, mix_limit=mix_limit)):
        stored = json.loads(json.dumps(result.to_dict()))
        assert Allocation.from_dict(stored) == result and stored == result.to_dict()


# --- optimal, checked against every possible assignment ---------------------------------


@settings(derandomize=True, deadline=None, max_examples=250)
@given(small_blocks(), st.integers(0, 2**32), st.sampled_from(OBJECTIVES))
def test_optimal_against_brute_force(block, seed, objective):
    people, sessions, mix_limit = block
    result = allocate(people, sessions, seed=seed, mix_limit=mix_limit, objective=objective)
    seats_before = {}
    for late in (False, True):  # on time first with everything, then late with what is left
        group = [p for p in people if p.late is late]
        placed = {p.id: result.seats[p.id] for p in group if p.id in result.seats}
        ours = score({**seats_before, **placed}, placed, people, sessions, mix_limit, objective)
        assert ours == best_by_brute_force(group, people, sessions, mix_limit, objective,
                                           seats_before)
        seats_before.update(placed)


# --- the order of priorities, by hand ------------------------------------------------------


def seats(capacities, waitlist=True):
    return [SessionSeats(i, c, waitlist) for i, c in enumerate(capacities, 1)]


def test_seating_one_more_person_beats_a_first_choice():
    people = [Applicant(1, "", (1, 2)), Applicant(2, "", (1,)), Applicant(3, "", (2, 3))]
    # Two first choices are possible (1 in session 1, 3 in session 2), but only for two.
    result = allocate(people, seats([1, 1, 1]), seed=0)
    assert result.seats == {1: 2, 2: 1, 3: 3}
    assert result.by_rank == [1, 2] and result.unseated == 0


def test_the_mix_rule_beats_first_choices():
    people = [Applicant(1, "Umeå kommun", (1, 2)), Applicant(2, "Umeå kommun", (1, 2))]
    result = allocate(people, seats([2, 2]), seed=0, mix_limit=1)
    assert sorted(result.seats.values()) == [1, 2] and result.relaxed == []
    assert allocate(people, seats([2, 2]), seed=0).seats == {1: 1, 2: 1}


def test_the_mix_rule_gives_way_to_seating_and_says_where():
    people = [Applicant(i, "Umeå kommun", (1,)) for i in (1, 2, 3)] + [
        Applicant(4, "umeå  Kommun", (1, 2)), Applicant(5, "", (1,))]
    result = allocate(people, seats([4, 1]), seed=0, mix_limit=1)
    assert len(result.seats) == 5
    assert result.relaxed == [MixExcess("Umeå kommun", 1, 2)]  # one spelling, by first id
    assert result.spread == {"Umeå kommun": {1: 3, 2: 1}}


def test_rank_maximal_and_least_rank_sum_differ_on_a_chain():
    people = [Applicant(1, "", (4, 3)), Applicant(2, "", (3, 2)), Applicant(3, "", (2, 1)),
              Applicant(4, "", (3, 2, 4, 1))]
    rank_maximal = allocate(people, seats([1, 1, 1, 1]), seed=0)
    least_sum = allocate(people, seats([1, 1, 1, 1]), seed=0, objective=MIN_RANK_SUM)
    assert rank_maximal.seats == {1: 4, 2: 3, 3: 2, 4: 1}  # ranks 1+1+1+4: three first
    assert rank_maximal.by_rank == [3, 0, 0, 1]
    assert least_sum.seats == {1: 4, 2: 2, 3: 1, 4: 3}  # ranks 1+2+2+1 = 6 < 7
    assert least_sum.by_rank == [2, 2, 0, 0]


def test_a_late_sign_up_waits_even_where_it_would_seat_one_more():
    people = [Applicant(1, "", (1, 2)), Applicant(2, "", (1,), late=True)]
    result = allocate(people, seats([1, 1]), seed=0)
    assert result.seats == {1: 1} and result.waiting == {1: [2]}


def test_the_mix_rule_counts_people_on_time_when_late_ones_are_placed():
    people = [Applicant(1, "Umeå kommun", (1,)), Applicant(2, "Umeå kommun", (1, 2), late=True)]
    result = allocate(people, seats([2, 1]), seed=0, mix_limit=1)
    assert result.seats == {1: 1, 2: 2} and result.relaxed == []


def test_on_time_people_come_before_late_ones_on_the_waiting_list():
    people = [Applicant(i, "", (1,), late=i % 2 == 0) for i in range(1, 9)]
    result = allocate(people, seats([0]), seed=5)
    assert result.waiting[1][:4] == [p.id for p in lottery_order(people, 5) if not p.late]
    assert set(result.waiting[1][4:]) == {2, 4, 6, 8}


def test_a_session_without_a_waiting_list_leaves_its_unseated_to_choose_again():
    people = [Applicant(1, "", (1, 2)), Applicant(2, "", (1, 2)), Applicant(3, "", (2,))]
    result = allocate(people, seats([1, 1], waitlist=False), seed=0)
    assert len(result.seats) == 2 and result.unplaced == [next(
        p for p in (1, 2) if p not in result.seats)] and result.waiting == {}


def test_the_seed_decides_ties_and_the_earlier_in_the_lottery_wins():
    people = [Applicant(1, "", (1, 2)), Applicant(2, "", (1, 2))]
    winners = set()
    for seed in range(20):
        result = allocate(people, seats([1, 1]), seed=seed)
        first_in_draw = lottery_order(people, seed)[0].id
        assert result.seats[first_in_draw] == 1
        winners.add(first_in_draw)
    assert winners == {1, 2}


def test_an_empty_block_allocates_nobody():
    result = allocate([], seats([3]), seed=1, mix_limit=2)
    assert result.seats == {} and result.by_rank == [] and result.fill[1].seated == 0


def test_preview_figures_for_the_organiser():
    people = [Applicant(1, "Umeå kommun", (1, 2)), Applicant(2, "Umeå kommun", (1, 2)),
              Applicant(3, "Lycksele kommun", (1,)), Applicant(4, "", (2,))]
    result = allocate(people, seats([1, 2]), seed=3, mix_limit=1)
    data = result.to_dict()
    assert data["by_rank"] == [2, 1] and data["unseated"] == 1
    assert data["fill"] == {"1": {"capacity": 1, "seated": 1, "waiting": 1},
                            "2": {"capacity": 2, "seated": 2, "waiting": 0}}
    assert (data["objective"], data["seed"], data["mix_limit"]) == ("rank_maximal", 3, 1)
    assert data["solver"].startswith("ortools ")
    changed = [*people[:3], Applicant(4, "", (2, 1))]
    assert allocate(changed, seats([1, 2]), seed=3).input_digest != result.input_digest
    assert allocate(people[::-1], seats([1, 2]), seed=4).input_digest == result.input_digest


@pytest.mark.parametrize("people, sessions, kw", [
    ([Applicant(1, "", ())], seats([1]), {}),
    ([Applicant(1, "", (1, 1))], seats([1]), {}),
    ([Applicant(1, "", (2,))], seats([1]), {}),
    ([Applicant(1, "", (1,)), Applicant(1, "", (1,))], seats([1]), {}),
    ([Applicant(1, "", (1,))], seats([-1]), {}),
    ([Applicant(1, "", (1,))], seats([1]), {"mix_limit": 0}),
    ([Applicant(1, "", (1,))], seats([1]), {"objective": "fastest"}),
    ([Applicant(1, "", (1,))], seats([1]), {"seed": "7"}),
])
def test_malformed_input_is_refused(people, sessions, kw):
    with pytest.raises(ValueError):
        allocate(people, sessions, **{"seed": 1, **kw})


def test_a_medium_block_is_allocated_in_one_go():
    rnd = random.Random(14)
    sessions = seats([rnd.randint(0, 30) for _ in range(12)])
    people = [Applicant(i, rnd.choice(ORGANISATIONS), tuple(rnd.sample(range(1, 13), 4)),
                        late=i > 380) for i in range(1, 401)]
    ours = allocate(people, sessions, seed=1, mix_limit=4)
    plain = lottery(people, sessions, seed=1, mix_limit=4)
    assert len(ours.seats) >= len(plain.seats)
    assert ours.by_rank[0] >= plain.by_rank[0]


def test_after_the_most_first_choices_come_the_most_second_choices_whatever_the_seed():
    people = [Applicant(1, "", (1,)), Applicant(2, "", (2, 3)), Applicant(3, "", (2, 1, 3))]
    for seed in range(12):
        assert allocate(people, seats([0, 1, 1]), seed=seed).by_rank == [1, 1, 0]


def test_importing_the_allocation_loads_no_solver():
    # Web workers import the domain package; the solver must load only where it runs.
    code = ("import sys, eventapp.domain.allocation; "
            "print(sorted({'numpy', 'ortools'} & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"
