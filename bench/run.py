#!/usr/bin/env python3
"""Benchmark eventapp the way it runs in production, and report ratios, not absolutes.

A fresh database (SQLite in a temporary folder, or a new schema on PostgreSQL) gets the
migrations and three events; gunicorn starts with 2 sync workers and the production config
(no MAIL_SERVER: the outbox only queues), through bench/wsgi.py: the same app with a
hello-world route added and the per-address rate limits raised. Every figure is divided by
hello-world's requests per second from the same run: the client shares the cores with the
server, so only ratios compare between runs.

    .venv/bin/python bench/run.py                         # SQLite
    .venv/bin/python bench/run.py --database postgresql   # BENCH_DATABASE_URL, a new schema

Phases: (a) event page and sign-up form under wrk; (b) complete sign-ups (form, CSRF token,
POST, redirect) from 16 Python clients; (c) the rush: 200 sign-ups at once for one session
of 50, checked in the database; (d) the lead's attendee list of a session with 500 people,
signed in as an organiser, and its SQL query count at 10 and at 500 people; (e) worker memory.
"""
import argparse
import http.client
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS_DIR = ROOT / "bench" / "results"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HOST = "127.0.0.1"

# Targets, as fractions of hello-world req/s from the same run.
PAGE_TARGET = 0.3
SIGNUP_TARGET = 0.035
RSS_TARGET_MB = 100
# The attendee list (signed in, never cached) is held to the same page target.
# Phase (d): a fixed number of views of the list from a few client threads.
ATTENDEE_CLIENTS = 4
ATTENDEE_REQUESTS = 400
ATTENDEE_WARM_UP = 10

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Benchmark eventapp on gunicorn against a hello-world route (see bench/run.py)."
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds per load phase (default 10)")
    parser.add_argument("--connections", type=int, default=16,
                        help="concurrent connections for page loads (default 16)")
    parser.add_argument("--signup-clients", type=int, default=16)
    parser.add_argument("--rush", type=int, default=200, help="sign-ups fired at once")
    parser.add_argument("--rush-capacity", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="page load generator: wrk when installed, else Python threads")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--strict", action="store_true",
                        help="exit 2 when a target is missed (the rush must always be right)")
    parser.add_argument("--probe-postgres", action="store_true",
                        help="only check that BENCH_DATABASE_URL answers (exit 0) or not (exit 1)")
    return parser.parse_args(argv)


def pg_url():
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL)


def postgres_answers():
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(pg_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


# --- the database and the server ------------------------------------------------------------


@contextmanager
def fresh_database(kind, workdir):
    """A database URL nobody else uses; dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    import sqlalchemy as sa

    base = pg_url()
    schema = f"eventapp_bench_{secrets.token_hex(5)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(database_url, port, workers, workdir):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAIL_", "GUNICORN_", "RATELIMIT_"))}
    env.update(
        FLASK_APP="wsgi",
        EVENTAPP_ENV="production",
        EVENTAPP_INSTANCE_DIR=str(workdir / "instance"),
        SECRET_KEY=secrets.token_urlsafe(32),
        BASE_URL=f"http://{HOST}:{port}",
        DATABASE_URL=database_url,
        WEB_CONCURRENCY=str(workers),
        GUNICORN_THREADS="1",
        GUNICORN_BIND=f"{HOST}:{port}",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_step(args, env, what):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench: {what} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextmanager
def gunicorn(env, port, workdir):
    pidfile = workdir / "gunicorn.pid"
    log_path = workdir / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--pid", str(pidfile),
             "bench.wsgi:create_bench_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                sys.exit(f"bench: gunicorn exited; see {log_path}:\n{log_path.read_text()[-3000:]}")
            try:
                if http_get(port, "/healthz")[0] == 200 and pidfile.exists():
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"bench: gunicorn did not answer /healthz; see {log_path}")
            time.sleep(0.2)
        yield process.pid, log_path
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()


def worker_pids(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    if children.exists():
        return [int(p) for p in children.read_text().split()]
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master_pid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


# --- HTTP clients -------------------------------------------------------------------------


def http_get(port, path, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def percentile(sorted_values, fraction):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def wrk_load(port, path, duration, connections):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency",
         f"http://{HOST}:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = {}
    if non_2xx:
        errors["non-2xx/3xx"] = int(non_2xx.group(1))
    if socket_errors:
        # Sync workers close every connection after its response; wrk may count the odd
        # read of a closed connection as an error, so those are reported, not failed on.
        for name, value in zip(("connect", "read", "write", "timeout"), socket_errors.groups()):
            if int(value):
                errors[f"socket {name}"] = int(value)
    return {
        "rps": rps,
        "requests": requests,
        "p50_ms": _wrk_ms(out, "50%"),
        "p99_ms": _wrk_ms(out, "99%"),
        "errors": errors,
        "client": "wrk",
    }


def _wrk_ms(out, label):
    match = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def python_load(port, path, duration, connections):
    """wrk's stand-in: threads each repeating GET over http.client."""

    def get(_n):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            status, _headers, _body = _exchange(conn, "GET", path)
        finally:
            conn.close()
        if status >= 400:
            raise Failed(str(status))

    return closed_loop(connections, duration, get, "python")


def closed_loop(clients, duration, one, label):
    """`clients` threads each repeating one(n) for `duration` seconds, n counting up across
    threads; one(n) raises Failed for a unit that went wrong. Rate, percentiles, errors."""
    stop_at = time.perf_counter() + duration
    return _loop(clients, lambda _done: time.perf_counter() < stop_at, one, label)


def fixed_loop(clients, per_client, one, label):
    """Like closed_loop, but each thread makes `per_client` attempts instead of running for
    a fixed time."""
    return _loop(clients, lambda done: done < per_client, one, label)


def _loop(clients, go_on, one, label):
    latencies, errors, lock = [], {}, threading.Lock()
    counter = itertools.count(1)

    def run(_i):
        mine, my_errors, done = [], {}, 0
        while go_on(done):
            done += 1
            started = time.perf_counter()
            try:
                one(next(counter))
            except Failed as failure:
                my_errors[str(failure)] = my_errors.get(str(failure), 0) + 1
                continue
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            for key, value in my_errors.items():
                errors[key] = errors.get(key, 0) + value

    started = time.perf_counter()
    run_threads(run, clients)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "requests": len(latencies),
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "errors": errors,
        "client": label,
    }


def mean_of(first, second):
    """Two runs of the same load as one: mean rate, mean percentiles, errors added up."""
    errors = dict(first["errors"])
    for key, value in second["errors"].items():
        errors[key] = errors.get(key, 0) + value
    return {
        "rps": (first["rps"] + second["rps"]) / 2,
        "requests": first["requests"] + second["requests"],
        "p50_ms": _mean(first["p50_ms"], second["p50_ms"]),
        "p99_ms": _mean(first["p99_ms"], second["p99_ms"]),
        "errors": errors,
        "client": first["client"],
    }


def _mean(a, b):
    return None if a is None or b is None else (a + b) / 2


def run_threads(target, count):
    """target(i) in `count` threads at once; returns when all are done."""
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class SignUpClient:
    """One participant's browser: GET the form, POST it with the CSRF token and session
    cookie, follow the redirect to the thank-you page. Counts as one sign-up."""

    def __init__(self, port, event):
        self.port = port
        self.event = event
        self.path = f"/events/{event['slug']}/signup"

    def open(self):
        """GET the form; returns (cookie, token) or raises Failed."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            status, headers, body = _exchange(conn, "GET", self.path)
        finally:
            conn.close()
        if status != 200:
            raise Failed(f"GET form {status}")
        match = CSRF.search(body)
        if not match:
            raise Failed("GET form: no CSRF token")
        return _cookie(headers, ""), match.group(1)

    def submit(self, cookie, token, n, session_for_block):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            fields = {
                "csrf_token": token,
                "name": f"Deltagare {n}",
                "email": f"bench-{n}@example.org",
                "organisation": "Lycksele kommun",
                "job_title": "IT-strateg",
                "dietary_needs": "",
                "accessibility_needs": "",
                "discussion_topic": "Gemensam arkitektur",
                "consent": "y",
            }
            for block in self.event["blocks"]:
                fields[f"block_{block['id']}"] = str(session_for_block(block))
            status, headers, _body = _exchange(
                conn, "POST", self.path, urlencode(fields),
                {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
            )
            if status != 302:
                raise Failed(f"POST {status}")
            cookie = _cookie(headers, cookie)
            location = urlsplit(headers.get("Location", "")).path
            status, _headers, _body = _exchange(conn, "GET", location, None, {"Cookie": cookie})
            if status != 200:
                raise Failed(f"GET thanks {status}")
        finally:
            conn.close()

    def sign_up(self, n, session_for_block):
        cookie, token = self.open()
        self.submit(cookie, token, n, session_for_block)


class Failed(Exception):
    """One unit of load that went wrong; its text is the error's label ("POST 500")."""


def _exchange(conn, method, path, body=None, headers=None):
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        raise Failed(f"{method} {type(exc).__name__}") from exc
    if response.will_close:
        conn.close()
    return response.status, response.msg, data


def _cookie(headers, previous):
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("session="):
            return value.split(";", 1)[0]
    return previous


# --- the phases ---------------------------------------------------------------------------


def page_phase(args, port, path):
    loader = wrk_load if use_wrk(args) else python_load
    return loader(port, path, args.duration, args.connections)


def use_wrk(args):
    if args.client == "python":
        return False
    if shutil.which("wrk"):
        return True
    if args.client == "wrk":
        sys.exit("bench: --client wrk, but wrk is not installed")
    return False


def signup_phase(args, port, event):
    """Complete sign-ups from `--signup-clients` clients for `--duration` seconds."""
    client = SignUpClient(port, event)

    def sign_up(n):
        client.sign_up(n, lambda block: block["sessions"][n % len(block["sessions"])])

    return closed_loop(args.signup_clients, args.duration, sign_up,
                       f"python, {args.signup_clients} threads")


def rush_phase(args, port, event, env):
    """Everybody has the form open; then all press "Sign up" at the same moment."""
    client = SignUpClient(port, event)
    session_id = event["blocks"][0]["sessions"][0]
    barrier = threading.Barrier(args.rush, timeout=120)
    outcomes, lock = {}, threading.Lock()

    def record(outcome):
        with lock:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    def run(i):
        try:
            cookie, token = client.open()
        except Failed as failure:
            barrier.abort()  # no rush without everybody: release the others at once
            return record(str(failure))
        try:
            barrier.wait()
            client.submit(cookie, token, 1_000_000 + i, lambda block: session_id)
        except Failed as failure:
            return record(str(failure))
        except threading.BrokenBarrierError:
            return record("not started: a form did not open")
        record("ok")

    started = time.perf_counter()
    run_threads(run, args.rush)
    elapsed = time.perf_counter() - started
    stored = json.loads(run_step(
        [sys.executable, "bench/data.py", "check-rush", "--session", str(session_id)],
        env, "reading back the rush",
    ).strip().splitlines()[-1])
    waiting_expected = args.rush - args.rush_capacity
    server_errors = sum(n for outcome, n in outcomes.items() if re.search(r"\b5\d\d$", outcome))
    passed = (
        stored["confirmed"] == args.rush_capacity
        and stored["waiting"] == waiting_expected
        and stored["queue_numbers"] == list(range(1, waiting_expected + 1))
        and server_errors == 0
    )
    return {
        "seconds": elapsed,
        "outcomes": outcomes,
        "server_errors": server_errors,
        "confirmed": stored["confirmed"],
        "waiting": stored["waiting"],
        "queue_numbers_ok": stored["queue_numbers"] == list(range(1, waiting_expected + 1)),
        "pass": passed,
    }


def sign_in(port, email, password):
    """GET /login for the CSRF token and cookie, POST /login; the signed-in session cookie."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        status, headers, body = _exchange(conn, "GET", "/login")
        match = CSRF.search(body)
        if status != 200 or not match:
            raise Failed(f"GET /login {status}")
        cookie = _cookie(headers, "")
    finally:
        conn.close()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        status, headers, _body = _exchange(
            conn, "POST", "/login",
            urlencode({"csrf_token": match.group(1), "email": email, "password": password}),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
    finally:
        conn.close()
    if status != 302:
        raise Failed(f"POST /login {status}")
    return _cookie(headers, cookie)


def attendee_list_phase(port, data, env):
    """The lead's attendee list of the session with 500 people, as a signed-in organiser:
    ATTENDEE_REQUESTS views from ATTENDEE_CLIENTS Python threads (each view also writes one
    access-log row, as it does in production); and its SQL query count, counted in a separate
    process on the same database, for the sessions with 10 and with 500 people."""
    info = data["attendees"]
    path = f"/lead/sessions/{info['session']}"
    counts = json.loads(run_step(
        [sys.executable, "bench/data.py", "count-queries",
         "--session", str(info["small_session"]), "--session", str(info["session"]),
         "--email", info["email"], "--password", info["password"]],
        env, "counting the attendee list's queries",
    ).strip().splitlines()[-1])
    queries = {"small": counts[str(info["small_session"])], "large": counts[str(info["session"])],
               "small_people": info["small_people"], "large_people": info["people"]}
    try:
        cookie = sign_in(port, info["email"], info["password"])
    except Failed as failure:
        return {"error": f"sign-in: {failure}", "queries": queries}
    headers = {"Cookie": cookie}
    status, body = http_get(port, path, headers)
    last_name = f"Deltagare {info['people']}"
    if status != 200 or last_name.encode() not in body:
        return {"error": f"GET {path}: {status}, without {last_name!r}", "queries": queries}
    for _ in range(ATTENDEE_WARM_UP):
        http_get(port, path, headers)

    per_client = max(1, ATTENDEE_REQUESTS // ATTENDEE_CLIENTS)

    def view(_n):
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            status, _headers, _body = _exchange(conn, "GET", path, None, headers)
        finally:
            conn.close()
        if status != 200:
            raise Failed(f"GET {status}")

    result = fixed_loop(ATTENDEE_CLIENTS, per_client, view, f"python, {ATTENDEE_CLIENTS} threads")
    result["queries"] = queries
    return result


def warm_up(port, paths):
    for path in paths:
        for _ in range(20):
            http_get(port, path)


# --- the report ---------------------------------------------------------------------------


def verdict(ok):
    return "PASS" if ok else "MISS"


def build_rows(args, hello, pages, signups, rush, attendees, memory):
    rows = [{"measure": "hello-world (mean)", **_figures(hello, "req/s"), "ratio": 1.0,
             "target": "(reference)", "verdict": ""}]
    for name, result in pages:
        ratio = result["rps"] / hello["rps"]
        errors = sum(v for k, v in result["errors"].items() if not k.startswith("socket read"))
        rows.append({"measure": name, **_figures(result, "req/s"), "ratio": ratio,
                     "target": f">= {PAGE_TARGET} x", "verdict": verdict(ratio >= PAGE_TARGET and not errors),
                     "errors": result["errors"]})
    ratio = signups["rps"] / hello["rps"]
    rows.append({
        "measure": f"completed sign-ups ({args.signup_clients} clients)",
        **_figures(signups, "sign-ups/s"), "ratio": ratio,
        "target": f">= {SIGNUP_TARGET} x, 0 errors",
        "verdict": verdict(ratio >= SIGNUP_TARGET and not signups["errors"]),
        "errors": signups["errors"],
    })
    rows.append({
        "measure": f"rush: {args.rush} at once, 1 session of {args.rush_capacity}",
        "figure": f"{rush['confirmed']} confirmed, {rush['waiting']} waiting"
                  f"{' (1..' + str(rush['waiting']) + ')' if rush['queue_numbers_ok'] else ' (numbers WRONG)'}"
                  f", {rush['server_errors']} 5xx in {rush['seconds']:.1f} s",
        "p50_ms": None, "p99_ms": None, "ratio": None,
        "target": f"{args.rush_capacity}/{args.rush - args.rush_capacity}/0",
        "verdict": verdict(rush["pass"]), "errors": rush["outcomes"],
    })
    rows.extend(attendee_rows(hello, attendees))
    for pid, mb in memory:
        rows.append({"measure": f"worker {pid} RSS after the run", "figure": f"{mb:.1f} MB",
                     "p50_ms": None, "p99_ms": None, "ratio": None,
                     "target": f"< {RSS_TARGET_MB} MB", "verdict": verdict(mb < RSS_TARGET_MB)})
    return rows


def attendee_rows(hello, attendees):
    queries = attendees["queries"]
    rows = []
    if "error" in attendees:
        rows.append({"measure": f"attendee list GET, {queries['large_people']} registrations",
                     "figure": attendees["error"], "p50_ms": None, "p99_ms": None,
                     "ratio": None, "target": "p50 reported, 0 errors", "verdict": "MISS"})
    else:
        ratio = attendees["rps"] / hello["rps"]
        rows.append({
            "measure": f"attendee list GET, {queries['large_people']} registrations "
                       f"({attendees['requests']} views, signed in)",
            **_figures(attendees, "req/s"), "ratio": ratio,
            # The issue asks for this page's p50 and query count, not a req/s target.
            "target": "p50 reported, 0 errors",
            "verdict": verdict(not attendees["errors"]),
            "errors": attendees["errors"],
        })
    rows.append({
        "measure": "attendee list SQL queries per view",
        "figure": f"{queries['small']} at {queries['small_people']} people, "
                  f"{queries['large']} at {queries['large_people']}",
        "p50_ms": None, "p99_ms": None, "ratio": None,
        "target": "equal (must not grow)", "verdict": verdict(queries["small"] == queries["large"]),
    })
    return rows


def _figures(result, unit):
    return {"figure": f"{result['rps']:.1f} {unit}", "value": result["rps"],
            "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"]}


def render_table(rows):
    header = ("measure", "result", "p50 ms", "p99 ms", "x hello", "target", "")
    lines = [header]
    for row in rows:
        lines.append((
            row["measure"], row["figure"], _ms(row["p50_ms"]), _ms(row["p99_ms"]),
            f"{row['ratio']:.3f}" if row["ratio"] is not None else "",
            row["target"], row["verdict"],
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        out.append("| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths)) + " |")
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def _ms(value):
    return "" if value is None else f"{value:.1f}"


# --- main ---------------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    if args.probe_postgres:
        return 0 if postgres_answers() else 1
    os.chdir(ROOT)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="eventapp-bench-"))
    try:
        return run(args, workdir, started)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir, started):
    port = free_port()
    load_at_start = os.getloadavg()[0]
    with fresh_database(args.database, workdir) as database_url:
        env = server_env(database_url, port, args.workers, workdir)
        run_step([str(BIN / "flask"), "db", "upgrade"], env, "flask db upgrade")
        data = json.loads(run_step(
            [sys.executable, "bench/data.py", "load", "--rush-capacity", str(args.rush_capacity)],
            env, "loading data",
        ).strip().splitlines()[-1])
        client = "wrk" if use_wrk(args) else "Python threads (wrk not found)"
        print(f"bench: {args.database}, gunicorn {args.workers} sync workers on port {port}, "
              f"page load by {client}, -c{args.connections}, {args.duration:.0f} s per phase")
        print("bench: rate limits were raised for the benchmark (bench/wsgi.py: per-address "
              "limits out of reach, all load comes from one address)")
        event_path = f"/events/{data['pages']['slug']}"
        form_path = f"{event_path}/signup"
        with gunicorn(env, port, workdir) as (master_pid, log_path):
            warm_up(port, ["/__bench/hello", event_path, form_path])
            hello_before = page_phase(args, port, "/__bench/hello")
            pages = [("event page GET", page_phase(args, port, event_path)),
                     ("sign-up form GET", page_phase(args, port, form_path))]
            signups = signup_phase(args, port, data["signups"])
            rush = rush_phase(args, port, data["rush"], env)
            attendees = attendee_list_phase(port, data, env)
            # Neighbours on the machine come and go: the reference is hello-world measured
            # before and after the other phases, averaged; both are printed.
            hello_after = page_phase(args, port, "/__bench/hello")
            memory = [(pid, rss_mb(pid)) for pid in sorted(worker_pids(master_pid))]
        hello = mean_of(hello_before, hello_after)
        rows = build_rows(args, hello, pages, signups, rush, attendees, memory)

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    title = (f"eventapp benchmark: {args.database}, {stamp}, gunicorn {args.workers} sync workers, "
             f"hello-world {hello_before['rps']:.0f} req/s before, {hello_after['rps']:.0f} after "
             f"({hello['client']}); load average at start {load_at_start:.2f}")
    print()
    print(title)
    print(render_table(rows))
    for row in rows:
        if row.get("errors") and row["verdict"] != "PASS":
            print(f"  {row['measure']}: {row['errors']}")
    args.results_dir.mkdir(parents=True, exist_ok=True)
    path = args.results_dir / f"{stamp}-{args.database}.json"
    path.write_text(json.dumps({
        "database": args.database,
        "timestamp": stamp,
        "settings": {k: str(v) for k, v in vars(args).items()},
        "limits_raised": True,
        "hello": hello,
        "hello_before": hello_before,
        "hello_after": hello_after,
        "load_average_at_start": load_at_start,
        "rows": rows,
        "rush": rush,
        "attendee_list": attendees,
        "seconds": round(time.monotonic() - started, 1),
    }, indent=2))
    print(f"bench: written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
          f"in {time.monotonic() - started:.0f} s")
    if not rush["pass"]:
        return 1  # wrong seat counts or server errors: a bug, not a slow machine
    if args.strict and any(row["verdict"] == "MISS" for row in rows):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
