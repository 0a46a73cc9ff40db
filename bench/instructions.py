#!/usr/bin/env python3
"""Instructions per request, counted by valgrind's callgrind: a figure that does not move
with whatever else the machine is doing (CPU seconds do, on a shared 2-core machine).

    .venv/bin/python bench/instructions.py hello event      # scenarios of bench/profile.py

Runs itself under valgrind's callgrind with counting off, warms each scenario up uncounted,
then serves --requests requests through itertools.starmap, whose C function `starmap_next`
switches counting on for exactly the requests (--toggle-collect), and reports instructions per
request. Slow (valgrind): a few hundred requests per scenario take about a minute.

    .venv/bin/python bench/instructions.py --wsgi bare hello event form

--wsgi serves each GET as gunicorn calls the app: one WSGI call with a fresh environ and no
cookie, as wrk sends it, without Flask's test client (whose own work, the same for every
app, is about as much as a bare hello-world's and hides the ratio wrk sees).
"""
import argparse
import io
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--wsgi", action="store_true",
                        help="GET scenarios as one WSGI call each, without the test client")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.inside:
        return inside(args)
    from bench import profile
    from bench import run as bench_run

    scenarios = args.scenarios or ["bare", "hello"]
    workdir = Path(tempfile.mkdtemp(prefix="eventapp-instructions-"))
    redis_url = bench_run.DEFAULT_REDIS_URL if bench_run.redis_answers(
        bench_run.DEFAULT_REDIS_URL) else None
    with bench_run.fresh_database(args.database, workdir) as database_url:
        env = bench_run.server_env(database_url, 5000, 2, workdir, redis_url)
        # Under valgrind a request takes ~50 ms: with the usual 2 s the cached pages would be
        # rendered again every few dozen requests, which real traffic spreads over thousands.
        env["PAGE_CACHE_SECONDS"] = "3600"
        bench_run.run_step([str(bench_run.BIN / "flask"), "db", "upgrade"], env, "upgrade")
        data = bench_run.run_step([sys.executable, "bench/data.py", "load"], env, "loading data")
        (workdir / "data.json").write_text(data.strip().splitlines()[-1])
        how = "WSGI calls" if args.wsgi else "test client"
        print(f"instructions per request ({args.database}; callgrind, {args.requests} requests, "
              f"{how})")
        for name in scenarios:
            out = workdir / f"callgrind.{name}"
            result = subprocess.run(
                ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                 "--toggle-collect=starmap_next", f"--callgrind-out-file={out}",
                 sys.executable, __file__, "--inside",
                 str(workdir / "data.json"), "--requests", str(args.requests), name]
                + (["--wsgi"] if args.wsgi else []),
                cwd=ROOT, env=env, capture_output=True, text=True)
            summary = re.search(r"^summary: (\d+)", out.read_text(), re.M) if out.exists() else None
            if result.returncode != 0 or not summary:
                sys.exit(f"{name}: failed\n{result.stderr[-3000:]}")
            print(f"  {name:6s} {int(summary.group(1)) / args.requests / 1e6:8.3f} M")
    return 0


def inside(args):
    from bench import profile

    data = json.loads(Path(args.inside).read_text())
    sys.stderr = open(os.devnull, "w")
    name = args.scenarios[0]
    if name == "bare":
        from bench.bare import app
    else:
        from bench.wsgi import create_bench_app
        app = create_bench_app()
    if args.wsgi:
        one = _wsgi_get(app, _get_path(name, data))
    else:
        one = profile._scenario(name, app.test_client(), data)
    for _ in range(20):
        one()
    # Counted: only what runs inside starmap_next, i.e. the requests themselves.
    list(itertools.starmap(one, [()] * args.requests))
    return 0


def _get_path(name, data):
    from bench import run as bench_run

    event_path = f"/events/{data['pages']['slug']}"
    paths = {"bare": bench_run.HELLO, "hello": bench_run.HELLO, "event": event_path,
             "form": event_path + "/signup"}
    if name not in paths:
        sys.exit(f"--wsgi serves GET scenarios only ({', '.join(paths)}), not {name}")
    return paths[name]


def _wsgi_get(app, path):
    """One GET of `path` as gunicorn's sync worker calls the app (no cookie, as wrk sends)."""
    def start_response(status, headers, exc_info=None):
        start_response.status = status

    def one():
        environ = {
            "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "5000", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "HTTP_HOST": "127.0.0.1:5000",
            "HTTP_USER_AGENT": "wrk", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False,
        }
        body = app(environ, start_response)
        b"".join(body)
        body.close()
        assert start_response.status.startswith("200"), (path, start_response.status)
    return one


if __name__ == "__main__":
    sys.exit(main())
