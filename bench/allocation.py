#!/usr/bin/env python3
"""Benchmark: the allocation of 5,000 people x 3 parallel blocks x 12 sessions, against the lottery.

The data is made up but shaped like a popular kickoff: session popularity follows Zipf
weights, each person ranks 3-5 sessions of a block (one in ten only 1-2), the seats add up
to about the number of people but the most popular sessions get small rooms, 15
organisations of very different sizes (and some people with none), 3 % late sign-ups, and
a mix limit that binds. Each solver runs in a fresh subprocess, so its peak memory (max RSS,
from `os.wait4`) is that of importing and running the allocation and nothing else.
Targets: all 3 blocks in <= 2 s, peak memory <= 300 MB.

    .venv/bin/python bench/allocation.py                       # OR-Tools, the one we use
    .venv/bin/python bench/allocation.py --solver all          # also NetworkX and SciPy
"""
import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventapp.domain.allocation import Applicant, SessionSeats, allocate, lottery  # noqa: E402

SOLVERS = ("ortools", "scipy", "networkx")
TARGET_SECONDS, TARGET_MB = 2.0, 300
NOT_INSTALLED = 3  # the exit status of a child whose library is missing
ORGANISATIONS = [
    "Umeå kommun", "Skellefteå kommun", "Region Västerbotten", "Lycksele kommun",
    "Vännäs kommun", "Vindeln kommun", "Robertsfors kommun", "Nordmaling kommun",
    "Storumans kommun", "Vilhelmina kommun", "Norsjö kommun", "Malå kommun",
    "Sorsele kommun", "Åsele kommun", "Dorotea kommun",
]


def make_blocks(people=5000, blocks=3, sessions=12, zipf=1.0, seed=2016):
    """[(applicants, sessions)] per block; the same people, organisations and lateness."""
    rnd = random.Random(seed)
    organisation = [rnd.choices(ORGANISATIONS + [""],
                                [1 / (k + 1) ** 1.1 for k in range(len(ORGANISATIONS))] + [0.15])[0]
                    for _ in range(people)]
    late = [rnd.random() < 0.03 for _ in range(people)]
    out = []
    for b in range(blocks):
        ids = [100 * (b + 1) + k for k in range(sessions)]
        popularity = [1 / (k + 1) ** zipf for k in range(sessions)]  # ids[0] the most wanted
        # Rooms add up to about everyone, in sizes that ignore popularity, except that the two
        # most wanted sessions get the two smallest rooms (the case that makes people unhappy).
        rooms = sorted(rnd.randint(150, 650) for _ in range(sessions))
        rooms = [round(r * people / sum(rooms)) for r in rooms]
        rest = rooms[2:]
        rnd.shuffle(rest)
        capacity = rooms[:2] + rest
        block = [SessionSeats(i, c, waitlist=(k != sessions - 1))
                 for k, (i, c) in enumerate(zip(ids, capacity))]
        applicants = []
        for p in range(people):
            wanted = rnd.randint(1, 2) if rnd.random() < 0.1 else rnd.randint(3, 5)
            ranking, weights, pool = [], list(popularity), list(ids)
            for _ in range(wanted):
                k = rnd.choices(range(len(pool)), weights)[0]
                ranking.append(pool.pop(k))
                weights.pop(k)
            applicants.append(Applicant(p + 1, organisation[p], tuple(ranking), late[p]))
        out.append((applicants, block))
    return out


def networkx_solver():
    """NetworkX's network simplex (pure Python) behind the same interface as OR-Tools."""
    import networkx as nx
    import numpy as np

    def solve(num_nodes, tails, heads, capacities, costs, supplies):
        graph = nx.MultiDiGraph()
        for node, supply in enumerate(supplies.tolist()):
            graph.add_node(node, demand=-supply)
        keys = [graph.add_edge(t, h, capacity=c, weight=w) for t, h, c, w in zip(
            tails.tolist(), heads.tolist(), capacities.tolist(), costs.tolist())]
        _, flow = nx.network_simplex(graph)
        return np.array([flow[t][h][k] for t, h, k in zip(tails.tolist(), heads.tolist(), keys)],
                        dtype=np.int64)

    return solve, f"networkx {nx.__version__}"


def scipy_solver():
    """SciPy's linprog with HiGHS dual simplex on the flow LP (a vertex of a network LP is
    integral); the same interface as OR-Tools. HiGHS's presolve is off: on this LP it took
    40 s of the first stage's 44 s."""
    import numpy as np
    import scipy
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    def solve(num_nodes, tails, heads, capacities, costs, supplies):
        arcs = np.arange(len(tails))
        incidence = coo_matrix((np.r_[np.ones(len(arcs)), -np.ones(len(arcs))],
                                (np.r_[tails, heads], np.r_[arcs, arcs])),
                               shape=(num_nodes, len(arcs))).tocsr()
        result = linprog(costs, A_eq=incidence, b_eq=supplies, method="highs-ds",
                         options={"presolve": False},
                         bounds=np.c_[np.zeros(len(arcs)), capacities])
        if result.status != 0:
            raise RuntimeError(result.message)
        flow = np.rint(result.x).astype(np.int64)
        assert np.abs(result.x - flow).max() < 1e-6, "not integral"
        return flow

    return solve, f"scipy {scipy.__version__} (HiGHS)"


def shares(results):
    """Share of people at their 1st, 2nd, 3rd, later choice and unseated, over all blocks."""
    people = sum(len(r.seats) + r.unseated for r in results)
    by_rank = Counter()
    for r in results:
        by_rank.update(dict(enumerate(r.by_rank, 1)))
    return {"first": by_rank[1] / people, "second": by_rank[2] / people,
            "third": by_rank[3] / people,
            "later": sum(n for rank, n in by_rank.items() if rank > 3) / people,
            "unseated": sum(r.unseated for r in results) / people}


def relaxed(results):
    return {"people": sum(x.over for r in results for x in r.relaxed),
            "places": sum(len(r.relaxed) for r in results)}


def digest(results):
    """A fingerprint of the seats and waiting lists: equal digests, equal allocations."""
    text = json.dumps([[r.seats, r.waiting, r.unplaced] for r in results], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_one(solver, mix_limit, objective, people=5000):
    """In the child: make the data, allocate every block, and report (time excludes data)."""
    blocks = make_blocks(people=people)
    chosen = {"ortools": None, "networkx": networkx_solver, "scipy": scipy_solver}[solver]
    chosen = chosen and chosen()
    # Peak so far: the interpreter, the app's modules and the data, before any solver loads.
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours, block_seconds = [], []
    for applicants, sessions in blocks:
        started = time.perf_counter()
        ours.append(allocate(applicants, sessions, seed=1, mix_limit=mix_limit,
                             objective=objective, solver=chosen))
        block_seconds.append(round(time.perf_counter() - started, 3))
    started = time.perf_counter()
    plain = [lottery(a, s, seed=1, mix_limit=mix_limit) for a, s in blocks]
    lottery_seconds = time.perf_counter() - started
    return {
        "solver": ours[0].solver, "seconds": round(sum(block_seconds), 3),
        "block_seconds": block_seconds, "lottery_seconds": round(lottery_seconds, 3),
        "people": people, "blocks": len(blocks), "sessions_per_block": len(blocks[0][1]),
        "late": sum(a.late for a in blocks[0][0]), "mix_limit": mix_limit,
        "objective": objective, "digest": digest(ours),
        "max_rss_before_allocating_mb": round(before_mb, 1),
        "ours": shares(ours), "ours_relaxed": relaxed(ours),
        "lottery": shares(plain), "lottery_relaxed": relaxed(plain),
    }


def in_subprocess(solver, args):
    """Run one solver in a fresh interpreter; its report with its own max RSS, or None when
    the library is not installed."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", "--solver", solver, "--mix-limit",
         str(args.mix_limit), "--objective", args.objective, "--people", str(args.people)],
        stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode == NOT_INSTALLED:
        print(f"  {solver}: not installed here (pip install {solver}), skipped")
        return None
    if proc.returncode:
        raise SystemExit(f"{solver}: exit {proc.returncode}")
    report = json.loads(out)
    report["max_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes
    report["verdict"] = "PASS" if report["seconds"] <= TARGET_SECONDS \
        and report["max_rss_mb"] <= TARGET_MB else "MISS"
    return report


def print_table(reports, args):
    first = reports[0]
    print(f"allocation: {first['people']} people x {first['blocks']} blocks x "
          f"{first['sessions_per_block']} sessions ({first['late']} late), "
          f"mix limit {args.mix_limit}, {args.objective}")
    print(f"  {'solver':<26} {'3 blocks':>9} {'per block':>18} {'max RSS':>8} "
          f"{'(before)':>8}  {'digest':<16}  verdict (<= {TARGET_SECONDS:g} s, <= {TARGET_MB} MB)")
    for r in reports:
        per_block = " ".join(f"{b:.2f}" for b in r["block_seconds"])
        print(f"  {r['solver']:<26} {r['seconds']:>7.2f} s {per_block:>18} "
              f"{r['max_rss_mb']:>5.0f} MB {r['max_rss_before_allocating_mb']:>5.0f} MB  "
              f"{r['digest']}  {r['verdict']}")
    print("  (the first block includes importing the solver; \"before\" is the interpreter, the "
          "app's modules and the data)")
    print(f"  {'share of people':<26} {'1st':>6} {'2nd':>6} {'3rd':>6} {'later':>6} "
          f"{'none':>6}  mix limit exceeded")
    for name, figures, over in (
            ("optimal allocation", first["ours"], first["ours_relaxed"]),
            (f"plain lottery ({first['lottery_seconds']:.2f} s)", first["lottery"],
             first["lottery_relaxed"])):
        print(f"  {name:<26} " + " ".join(f"{figures[k]:>6.1%}" for k in
                                          ("first", "second", "third", "later", "unseated"))
              + f"  by {over['people']} people in {over['places']} places")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solver", choices=SOLVERS + ("all",), default="ortools")
    parser.add_argument("--mix-limit", type=int, default=150)
    parser.add_argument("--objective", choices=("rank_maximal", "min_rank_sum"),
                        default="rank_maximal")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        try:
            report = run_one(args.solver, args.mix_limit, args.objective, args.people)
        except ModuleNotFoundError:
            sys.exit(NOT_INSTALLED)
        print(json.dumps(report))
        return None

    runs = [in_subprocess(s, args) for s in (SOLVERS if args.solver == "all" else (args.solver,))]
    reports = [r for r in runs if r]
    print_table(reports, args)
    out = ROOT / "bench" / "results" / f"{datetime.now():%Y%m%d-%H%M%S}-allocation.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"mix_limit": args.mix_limit, "objective": args.objective,
                               "runs": reports}, indent=2))
    print(f"  written to {out.relative_to(ROOT)}")
    return reports


if __name__ == "__main__":
    main()
