#!/usr/bin/env python3
"""Where a request's CPU goes: each of bench/run.py's requests served in this process, with
the production configuration bench/run.py gives gunicorn, and timed in CPU seconds.

wrk's throughput depends on what else the two cores are doing; CPU time per request, taken
in one process over many requests, changes much less, so it is what a speed-up is checked
with before the real benchmark (bench/run.py) is run on a quiet machine.

    .venv/bin/python bench/profile.py                         # every scenario, SQLite
    .venv/bin/python bench/profile.py post list --database postgresql
    .venv/bin/python bench/profile.py post --pyinstrument      # where a sign-up POST goes

Scenarios: bare (bench/bare.py's hello-world), hello (our /__bench/hello), event, form (these
four without cookies, as wrk sends them: each request a new visitor), post (a sign-up POST with a new email each time; cookie and CSRF token from one form GET),
list (the lead's attendee list of 500 people, signed in as an organiser).
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as bench_run  # noqa: E402

SCENARIOS = ("bare", "hello", "event", "form", "post", "list")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help=f"some of {', '.join(SCENARIOS)} (default all)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=0,
                        help="requests per scenario (default: about 2 CPU seconds' worth)")
    parser.add_argument("--pyinstrument", action="store_true",
                        help="print a pyinstrument profile of each scenario")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL",
                                                              bench_run.DEFAULT_REDIS_URL))
    args = parser.parse_args(argv)
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    scenarios = args.scenarios or list(SCENARIOS)
    workdir = Path(tempfile.mkdtemp(prefix="eventapp-profile-"))
    redis_url = args.redis_url if bench_run.redis_answers(args.redis_url) else None
    with bench_run.fresh_database(args.database, workdir) as database_url:
        env = bench_run.server_env(database_url, 5000, 2, workdir, redis_url)
        bench_run.run_step([str(bench_run.BIN / "flask"), "db", "upgrade"], env, "flask db upgrade")
        data = json.loads(bench_run.run_step(
            [sys.executable, "bench/data.py", "load"], env, "loading data",
        ).strip().splitlines()[-1])
        os.environ.clear()
        os.environ.update(env)
        # The request log is written as in production, to a file nobody reads.
        real_stderr = sys.stderr
        sys.stderr = open(os.devnull, "w")
        try:
            results = {name: profile(name, data, args) for name in scenarios}
        finally:
            sys.stderr = real_stderr
    bare = results.get("bare")
    print(f"CPU per request, in-process ({args.database}, rate-limit counters in "
          f"{'Redis' if redis_url else 'memory'}):")
    for name, (micros, count, report) in results.items():
        ratio = f"  {bare[0] / micros:5.3f}x bare" if bare else ""
        print(f"  {name:6s} {micros:9.0f} µs  ({count} requests){ratio}")
        if report:
            print(report)


def profile(name, data, args):
    if name == "bare":
        from bench.bare import app
    else:
        from bench.wsgi import create_bench_app
        app = _app_once(create_bench_app)
    # wrk sends no cookie for the GET scenarios: each request is a new visitor (for the form,
    # a new session, CSRF token and Set-Cookie every time). A client that kept cookies would
    # hide that cost.
    client = app.test_client(use_cookies=name in ("post", "list"))
    one = _scenario(name, client, data)
    for _ in range(5):
        one()
    count = args.requests or _count_for(one)
    profiler = None
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    started = time.process_time()
    for _ in range(count):
        one()
    spent = time.process_time() - started
    report = None
    if profiler:
        profiler.stop()
        report = profiler.output_text(unicode=True, color=False, show_all=False)
    return spent / count * 1e6, count, report


_apps = {}


def _app_once(factory):
    if "app" not in _apps:
        _apps["app"] = factory()
    return _apps["app"]


def _count_for(one, budget=2.0):
    started, n = time.process_time(), 0
    while time.process_time() - started < 0.3:
        one()
        n += 1
    per = (time.process_time() - started) / n
    return max(20, int(budget / per))


def _scenario(name, client, data):
    event_path = f"/events/{data['pages']['slug']}"
    if name in ("bare", "hello"):
        return _get(client, bench_run.HELLO)
    if name == "event":
        return _get(client, event_path)
    if name == "form":
        return _get(client, event_path + "/signup")
    if name == "post":
        return _poster(client, data["signups"])
    if name == "list":
        info = data["attendees"]
        body = client.get("/login").get_data(as_text=True)
        response = client.post("/login", data={
            "csrf_token": CSRF.search(body).group(1), "email": info["email"],
            "password": info["password"]})
        assert response.status_code == 302, response.status_code
        return _get(client, f"/lead/sessions/{info['session']}",
                    must_hold=f"Deltagare {info['people']}")
    raise SystemExit(f"unknown scenario {name}")


def _get(client, path, must_hold=None):
    def one():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        if must_hold:
            assert must_hold in response.get_data(as_text=True)
    return one


def _poster(client, event):
    path = f"/events/{event['slug']}/signup"
    body = client.get(path).get_data(as_text=True)
    token = CSRF.search(body).group(1)
    counter = iter(range(10**9))

    def one():
        n = next(counter)
        fields = bench_run.signup_fields(token, n, f"profile-{n}-{time.time_ns()}@example.org")
        for block in event["blocks"]:
            fields[f"block_{block['id']}"] = str(block["sessions"][n % len(block["sessions"])])
        response = client.post(path, data=urlencode(fields),
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code == 302, (response.status_code,
                                             response.get_data(as_text=True)[:500])
    return one


if __name__ == "__main__":
    sys.exit(main())
