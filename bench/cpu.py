#!/usr/bin/env python3
"""Where the machine's CPU goes during wrk's load: per process group, per request.

bench/run.py gives ratios of requests per second; this gives what each request cost the
two cores, split by who spent it (the gunicorn workers, the database server, Redis), read
from /proc before and after each phase. The same servers, data and wrk phases as
bench/run.py (one round): bare hello-world, our sign-up POSTs, the same POSTs to
bench/floor.py, bare hello-world again.

    .venv/bin/python bench/cpu.py                          # SQLite
    .venv/bin/python bench/cpu.py --database postgresql --duration 5

A phase's "machine busy" is the share of both cores not idle while it ran (for a POST
phase, the wait and the database check after wrk stops are in it); its per-request figures
divide by the sign-ups the access log and the database agree on.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as bench_run  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk phase")
    return parser.parse_args(argv)


def process_ticks():
    """{pid: (name, CPU ticks used so far, user and system)} for every process."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        table[int(stat.parent.name)] = (name, int(fields[11]) + int(fields[12]))
    return table


def machine_ticks():
    """(all ticks, idle ticks) of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4]


def measured(phase):
    """Run `phase`; returns (its result, {process name: ticks}, machine busy share)."""
    before, machine_before = process_ticks(), machine_ticks()
    result = phase()
    after, machine_after = process_ticks(), machine_ticks()
    spent = {}
    for pid, (name, ticks) in after.items():
        used = ticks - before.get(pid, (name, 0))[1]
        if used > 0:
            spent[name] = spent.get(name, 0) + used
    total = machine_after[0] - machine_before[0]
    idle = machine_after[1] - machine_before[1]
    return result, spent, (total - idle) / total if total else 0.0


def report(label, result, spent, busy, requests):
    print(f"{label}: {result['rps']:.0f}/s, {requests} requests, machine busy {busy:.0%}")
    for name, ticks in sorted(spent.items(), key=lambda item: -item[1])[:5]:
        print(f"  {name:16s} {ticks / TICKS:6.2f} s CPU = {ticks / TICKS / requests * 1e3:7.3f} "
              f"ms a request")


def main(argv=None):
    args = parse_args(argv)
    run_args = bench_run.parse_args(["--database", args.database, "--duration",
                                     str(args.duration)])
    bench_run.ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="eventapp-cpu-"))
    port, bare_port, floor_port = (bench_run.free_port() for _ in range(3))
    redis_url = run_args.redis_url if bench_run.redis_answers(run_args.redis_url) else None
    with bench_run.fresh_database(args.database, workdir) as database_url:
        env = bench_run.server_env(database_url, port, 2, workdir, redis_url)
        bench_run.run_step([str(bench_run.BIN / "flask"), "db", "upgrade"], env,
                           "flask db upgrade")
        data = json.loads(bench_run.run_step(
            [sys.executable, "bench/data.py", "load"], env, "loading data",
        ).strip().splitlines()[-1])
        event = data["signups"]
        form_path = f"/events/{data['pages']['slug']}/signup"
        with bench_run.gunicorn(bench_run.server_env(database_url, bare_port, 2, workdir),
                                bare_port, workdir, "bench.bare:app", "bare"), \
                bench_run.gunicorn(bench_run.server_env(database_url, floor_port, 2, workdir),
                                   floor_port, workdir, "bench.floor:create_floor_app()",
                                   "floor") as (_floor_pid, floor_log), \
                bench_run.gunicorn(env, port, workdir) as (_pid, log_path):
            bench_run.warm_up(bare_port, [bench_run.HELLO])
            bench_run.warm_up(port, [bench_run.HELLO, form_path])
            print(f"bench/cpu.py: {args.database}, gunicorn 2 sync workers each, wrk -t2 -c8, "
                  f"{args.duration:.0f} s a phase, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")

            def bare():
                return bench_run.wrk_load(bare_port, bench_run.HELLO, args.duration, 8)

            def posts(ports, logs, tag):
                return lambda: bench_run.wrk_signup_phase(run_args, ports, logs, event, env,
                                                          workdir, tag)

            for label, phase in (("bare hello-world", bare),
                                 ("our sign-up POSTs", posts([port], [log_path], "cpu")),
                                 ("bench/floor.py POSTs", posts([floor_port], [floor_log],
                                                                "cpufloor")),
                                 ("bare hello-world", bare)):
                result, spent, busy = measured(phase)
                if "check" in result and not result["check"]["ok"]:
                    sys.exit(f"bench/cpu.py: {label}: the database does not match "
                             f"the responses: {result['check']}")
                requests = result["check"]["logged_redirects"] if "check" in result \
                    else result["requests"]
                report(label, result, spent, busy, max(requests, 1))


if __name__ == "__main__":
    main()
