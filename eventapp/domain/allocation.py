"""Seats for ranked preferences: an optimal, fair and reproducible allocation of one parallel block.

Plain data in, plain data out (no Flask, no database). `allocate()` places the people of
one block (each gets at most one of its sessions, and only one they ranked) with these
priorities, strictly in this order:

1. capacities are hard;
2. seat as many people as possible (never fewer than `lottery()` on the same data);
3. the optional mix rule: at most `mix_limit` people of one organisation in a session,
   relaxed as little as possible (least total excess) where it cannot hold, and reported;
4. ranks: rank-maximal (most first choices, then most second choices, ...) or, when asked,
   the least sum of ranks;
5. what is still tied goes to whoever is earlier in the lottery (see `lottery_order`).

Late sign-ups are allocated afterwards, with the same priorities, to what is left.
How the stages are solved exactly is in `allocation_flow`.
"""
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass

from .allocation_flow import FlowNetwork, ortools_solver, solve_in_stages

RANK_MAXIMAL, MIN_RANK_SUM, LOTTERY = "rank_maximal", "min_rank_sum", "lottery"
# The kinds of arc in the flow network of a block (see `_optimise`).
CHOICE, UNSEATED, WITHIN, EXCESS, CAPACITY = range(5)


@dataclass(frozen=True)
class Applicant:
    """One registration's ranking for the block; organisation '' is outside the mix rule."""

    id: int
    organisation: str
    ranking: tuple[int, ...]  # session ids, first choice first
    late: bool = False  # signed up after the deadline: placed after everyone on time


@dataclass(frozen=True)
class SessionSeats:
    """A session of the block: how many seats, and whether it keeps a waiting list."""

    id: int
    capacity: int
    waitlist: bool = True


@dataclass(frozen=True)
class MixExcess:
    """Where the mix rule had to give way: `over` people beyond the limit."""

    organisation: str
    session_id: int
    over: int


@dataclass(frozen=True)
class SessionFill:
    capacity: int
    seated: int
    waiting: int


@dataclass(frozen=True)
class Allocation:
    """The result and everything the organiser's preview shows; `to_dict()` is JSON-ready."""

    seats: dict[int, int]  # applicant id -> session id
    waiting: dict[int, list[int]]  # session id -> applicant ids, first in line first
    unplaced: list[int]  # unseated, and their first choice keeps no waiting list
    by_rank: list[int]  # how many got their 1st, 2nd, ... choice
    unseated: int
    fill: dict[int, SessionFill]
    spread: dict[str, dict[int, int]]  # organisation -> session id -> people seated
    relaxed: list[MixExcess]
    objective: str
    seed: int
    mix_limit: int | None
    solver: str
    input_digest: str  # SHA-256 of the applicants and sessions: "has anything changed?"

    def to_dict(self) -> dict:
        return {
            "objective": self.objective, "seed": self.seed, "mix_limit": self.mix_limit,
            "solver": self.solver, "input_digest": self.input_digest,
            "seats": {str(a): s for a, s in self.seats.items()},
            "waiting": {str(s): ids for s, ids in self.waiting.items()},
            "unplaced": self.unplaced, "by_rank": self.by_rank, "unseated": self.unseated,
            "fill": {str(s): asdict(f) for s, f in self.fill.items()},
            "spread": {o: {str(s): n for s, n in per.items()} for o, per in self.spread.items()},
            "relaxed": [asdict(r) for r in self.relaxed],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Allocation":
        return cls(
            seats={int(a): s for a, s in data["seats"].items()},
            waiting={int(s): list(ids) for s, ids in data["waiting"].items()},
            unplaced=list(data["unplaced"]), by_rank=list(data["by_rank"]),
            unseated=data["unseated"],
            fill={int(s): SessionFill(**f) for s, f in data["fill"].items()},
            spread={o: {int(s): n for s, n in per.items()} for o, per in data["spread"].items()},
            relaxed=[MixExcess(**r) for r in data["relaxed"]],
            objective=data["objective"], seed=data["seed"], mix_limit=data["mix_limit"],
            solver=data["solver"], input_digest=data["input_digest"],
        )


def lottery_number(seed: int, applicant_id: int) -> int:
    """A person's draw: SHA-256 of "seed:id", so anyone can recompute it, and adding or
    removing someone else never changes it."""
    digest = hashlib.sha256(f"{seed}:{applicant_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def lottery_order(applicants, seed: int) -> list[Applicant]:
    """The order of the draw: everyone on time before anyone late, each by lottery number."""
    return sorted(applicants, key=lambda a: (a.late, lottery_number(seed, a.id), a.id))


def allocate(applicants, sessions, *, seed: int, mix_limit: int | None = None,
             objective: str = RANK_MAXIMAL, solver=None) -> Allocation:
    """The optimal allocation of one block (see the module docstring for the priorities).

    `solver` is a `(solve, name)` pair for comparing libraries; the default is OR-Tools.
    """
    if objective not in (RANK_MAXIMAL, MIN_RANK_SUM):
        raise ValueError(f"unknown objective {objective!r}")
    block = _Block(applicants, sessions, mix_limit)
    order = lottery_order(block.applicants, _checked_seed(seed))
    solve, solver_name = solver or ortools_solver()
    seats: dict[int, int] = {}
    for late in (False, True):
        group = [a for a in order if a.late is late]
        if group:
            seats.update(_optimise(block, group, seats, objective, solve, seed))
    return block.summary(seats, order, objective=objective, seed=seed, solver=solver_name)


def lottery(applicants, sessions, *, seed: int, mix_limit: int | None = None) -> Allocation:
    """The plain comparison: in lottery order, each person takes their best-ranked session
    with room (under the mix limit if one has room there, else any)."""
    block = _Block(applicants, sessions, mix_limit)
    order = lottery_order(block.applicants, _checked_seed(seed))
    seats: dict[int, int] = {}
    taken, mixed = Counter(), Counter()
    for person in order:
        organisation = block.organisation[person.id]
        with_room = [s for s in person.ranking if taken[s] < block.sessions[s].capacity]
        in_mix = [s for s in with_room if block.mix_room(organisation, s, mixed) > 0]
        if with_room:
            seats[person.id] = s = (in_mix or with_room)[0]
            taken[s] += 1
            mixed[organisation, s] += 1
    return block.summary(seats, order, objective=LOTTERY, seed=seed, solver="none")


def input_digest(applicants, sessions, mix_limit: int | None = None) -> str:
    """The SHA-256 that `allocate()` stores as `input_digest`, without allocating: a
    publisher compares it with the preview's to refuse when anything changed since."""
    return _Block(applicants, sessions, mix_limit).digest


def _checked_seed(seed) -> int:
    # An int only: the seed is part of the text that is hashed, and "7" is not 7.
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError("the seed must be an int")
    return seed


class _Block:
    """The checked input of one block, with who is from the same organisation."""

    def __init__(self, applicants, sessions, mix_limit):
        sessions = list(sessions)
        self.sessions = {s.id: s for s in sorted(sessions, key=lambda s: s.id)}
        self.applicants = sorted(applicants, key=lambda a: a.id)
        if len(self.sessions) != len(sessions) or any(s.capacity < 0 for s in sessions):
            raise ValueError("session ids must be distinct and capacities not negative")
        if len({a.id for a in self.applicants}) != len(self.applicants):
            raise ValueError("applicant ids must be distinct")
        for a in self.applicants:
            if not a.ranking or len(set(a.ranking)) != len(a.ranking) \
                    or not set(a.ranking) <= self.sessions.keys():
                raise ValueError(f"applicant {a.id}: ranking must name sessions of the "
                                 "block, at least one, each once")
        if mix_limit is not None and (not isinstance(mix_limit, int) or mix_limit < 1):
            raise ValueError("mix_limit must be a positive int or None")
        self.mix_limit = mix_limit
        # One organisation however it is spelt; shown as its first spelling by id.
        self.organisation = {a.id: " ".join(a.organisation.split()).casefold()
                             for a in self.applicants}
        self.organisation_name = {}
        for a in self.applicants:
            self.organisation_name.setdefault(self.organisation[a.id], a.organisation.strip())
        canonical = json.dumps([[[a.id, a.organisation, list(a.ranking), a.late]
                                 for a in self.applicants],
                                [[s.id, s.capacity, s.waitlist] for s in self.sessions.values()]],
                               ensure_ascii=False, separators=(",", ":"))
        self.digest = hashlib.sha256(canonical.encode()).hexdigest()

    def mix_room(self, organisation, session_id, mixed) -> int | float:
        """How many more of an organisation the mix rule lets into a session, given
        `mixed` (organisation, session id) -> people of it seated there."""
        if self.mix_limit is None or not organisation:
            return float("inf")
        return max(self.mix_limit - mixed[organisation, session_id], 0)

    def summary(self, seats, order, **about) -> Allocation:
        waiting, unplaced = defaultdict(list), []
        for person in order:  # on time first, then late; each in lottery order
            if person.id not in seats:
                first = person.ranking[0]
                if self.sessions[first].waitlist:
                    waiting[first].append(person.id)
                else:
                    unplaced.append(person.id)
        by_id = {a.id: a for a in self.applicants}
        by_rank = [0] * max((len(a.ranking) for a in self.applicants), default=0)
        for a, s in seats.items():
            by_rank[by_id[a].ranking.index(s)] += 1
        seated = Counter(seats.values())
        per_organisation = Counter((self.organisation[a], s) for a, s in seats.items()
                                   if self.organisation[a])
        spread = defaultdict(dict)
        for (key, s), n in sorted(per_organisation.items()):
            spread[self.organisation_name[key]][s] = n
        relaxed = [MixExcess(self.organisation_name[key], s, n - self.mix_limit)
                   for (key, s), n in sorted(per_organisation.items())
                   if self.mix_limit is not None and n > self.mix_limit]
        return Allocation(
            seats=dict(sorted(seats.items())),
            waiting={s: waiting[s] for s in sorted(waiting)},
            unplaced=unplaced, by_rank=by_rank, unseated=len(self.applicants) - len(seats),
            fill={s: SessionFill(self.sessions[s].capacity, seated[s], len(waiting.get(s, [])))
                  for s in self.sessions},
            spread=dict(sorted(spread.items())), relaxed=relaxed,
            mix_limit=self.mix_limit, input_digest=self.digest, **about,
        )


def _optimise(block, group, seats, objective, solve, seed) -> dict[int, int]:
    """Seats for one group (on time, or late) given the seats already taken, as one flow.

    Each person sends one unit of flow: to a session they ranked (through their
    organisation's entry to it when the mix rule is on) or along their "unseated" arc.
    An organisation's entry to a session passes its people up to the limit for free and
    the rest over an "excess" arc. The stages, in priority order, then price the unseated
    arcs, the excess arcs, the ranks, and last the lottery tie-break.
    """
    import numpy as np

    taken = Counter(seats.values())
    mixed = Counter((block.organisation[a], s) for a, s in seats.items())
    sink, nodes = len(group), {}  # nodes: ("entry", organisation, session) or ("session", s)
    arcs = []  # (tail, head, capacity, kind, rank, person's position, session id)

    def node(key):
        return nodes.setdefault(key, len(group) + 1 + len(nodes))

    entries = Counter()
    for pos, person in enumerate(group):
        organisation = block.organisation[person.id]
        for rank, s in enumerate(person.ranking, 1):
            if block.mix_limit is not None and organisation:
                head = node(("entry", organisation, s))
                entries[organisation, s] += 1
            else:
                head = node(("session", s))
            arcs.append((pos, head, 1, CHOICE, rank, pos, s))
        arcs.append((pos, sink, 1, UNSEATED, 0, pos, -1))
    for (organisation, s), ranked in sorted(entries.items()):
        within = min(block.mix_room(organisation, s, mixed), ranked)
        entry, session = nodes["entry", organisation, s], node(("session", s))
        arcs.append((entry, session, within, WITHIN, 0, -1, s))
        if ranked > within:
            arcs.append((entry, session, ranked - within, EXCESS, 0, -1, s))
    for key, n in nodes.items():
        if key[0] == "session":
            room = max(block.sessions[key[1]].capacity - taken[key[1]], 0)
            arcs.append((n, sink, room, CAPACITY, 0, -1, key[1]))

    tails, heads, capacities, kind, ranks, who, session = np.array(arcs, dtype=np.int64).T
    supplies = np.zeros(len(group) + 1 + len(nodes), dtype=np.int64)
    supplies[:len(group)], supplies[sink] = 1, -len(group)

    stages = [(kind == UNSEATED).astype(np.int64)]
    if (kind == EXCESS).any():
        stages.append((kind == EXCESS).astype(np.int64))
    longest = max(len(p.ranking) for p in group)
    if objective == RANK_MAXIMAL:
        # The last rank needs no stage: with the seated count fixed it is what is left.
        stages += [-(ranks == r).astype(np.int64) for r in range(1, longest)]
    else:
        stages.append(ranks)
    # Tie-break: a weight per person, larger the earlier they are in the lottery, times
    # their rank (unseated counting as one past the last). Among equally good allocations
    # the one giving earlier people better ranks costs least. The weights come from the
    # lottery numbers, 32 random bits each, so two allocations practically never cost the
    # same and the solver's own order does not get to choose.
    weights = np.array([2**32 - (lottery_number(seed, p.id) >> 32) for p in group],
                       dtype=np.int64)
    outcome = np.where(kind == UNSEATED, longest + 1, ranks)
    stages.append(np.where(who >= 0, weights[who], 0) * outcome)

    network = FlowNetwork(len(supplies), tails, heads, capacities, supplies)
    flow = solve_in_stages(network, stages, solve)
    placed = np.flatnonzero((flow > 0) & (kind == CHOICE))
    return {group[who[i]].id: int(session[i]) for i in placed}
