#!/usr/bin/env python3
"""Benchmark eventapp the way it runs in production, against a bare Flask hello-world.

A fresh database (SQLite in a temporary folder, or a new schema on PostgreSQL) gets the
migrations and four events. Two gunicorns start with the same settings (gunicorn.conf.py,
2 sync workers, the access log as deployed): ours, with the production configuration as
deploy/ sets it (JSON logs, one trusted proxy, Redis for the rate-limit counters when one
answers), through bench/wsgi.py (the real app plus /__bench/hello, per-address limits
raised but counting); and beside it bench/bare.py, a bare Flask hello-world. Every figure
is divided by the bare hello-world's requests per second: the load generator shares the
cores with the servers, so only ratios compare. Bare and ours alternate, three rounds; each
ratio is the median of the rounds.

    .venv/bin/python bench/run.py                         # SQLite
    .venv/bin/python bench/run.py --database postgresql   # BENCH_DATABASE_URL, a new schema

Phases: (a) per round: bare hello, our hello, event page, sign-up form (wrk -t2 -c8), and
sign-up POSTs by wrk (one browser's cookie and CSRF token, a new email per request, checked
against the database and the access log), and the same POSTs to bench/floor.py (a sign-up's
durable essentials in a bare Flask app with the database driver alone: the ceiling a POST's
ratio could reach with every library off its path; reported, no target); (b) complete sign-ups (form, POST, thanks page)
from Python clients; (c) the rush: 200 sign-ups at once for one session of 50, checked in
the database; (d) the lead's attendee list of a session with 500 people, signed in, and its
SQL query count at 10 and at 500 people; (e) worker memory; (f) on PostgreSQL with Redis,
two nodes (two gunicorns on two ports) taking sign-up POSTs together.
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
import statistics
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

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
HELLO = "/__bench/hello"

# Targets, as fractions of the bare hello-world's req/s from the same run (issue 16).
HELLO_TARGET = 0.85
EVENT_TARGET = 0.7
FORM_TARGET = 0.5
SIGNUP_POST_TARGET = 0.1
# Before issue 16 the list ran at about 0.005 x the bare hello-world: at least three times that.
ATTENDEE_TARGET = 0.015
RSS_TARGET_MB = 100
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
    parser.add_argument("--duration", type=float, default=5.0,
                        help="seconds per load phase (default 5)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of bare / ours; ratios are their median (default 3)")
    parser.add_argument("--connections", type=int, default=8,
                        help="wrk connections (default 8, with 2 threads)")
    parser.add_argument("--signup-clients", type=int, default=16)
    parser.add_argument("--rush", type=int, default=200, help="sign-ups fired at once")
    parser.add_argument("--rush-capacity", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
                        help="Redis for the rate-limit counters, as deployed; memory when it "
                             "does not answer (or with --redis-url '')")
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


def redis_answers(url):
    if not url:
        return False
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.close()
        return True
    except Exception:
        return False


def server_env(database_url, port, workers, workdir, redis_url=None):
    """The environment deploy/eventapp.env.example gives the web service, for this machine."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAIL_", "GUNICORN_", "RATELIMIT_", "REDIS_", "LOG_",
                                "TRUSTED_PROXIES", "PAGE_CACHE"))}
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
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        TRUSTED_PROXIES="1",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def run_step(args, env, what):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench: {what} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextmanager
def gunicorn(env, port, workdir, app="bench.wsgi:create_bench_app()", name="eventapp"):
    """gunicorn -c gunicorn.conf.py on `app`; yields (master pid, log path). Its stdout (the
    access log, as journald would get it) and stderr go to a file in `workdir`."""
    pidfile = workdir / f"gunicorn-{name}-{port}.pid"
    log_path = workdir / f"gunicorn-{name}-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--pid", str(pidfile), app],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        probe = HELLO if name == "bare" else "/healthz"
        while True:
            if process.poll() is not None:
                sys.exit(f"bench: gunicorn ({name}) exited; see {log_path}:\n"
                         f"{log_path.read_text()[-3000:]}")
            try:
                if http_get(port, probe)[0] == 200 and pidfile.exists():
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"bench: gunicorn ({name}) did not answer {probe}; see {log_path}")
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


def wrk_load(port, path, duration, connections, script=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(command + [f"http://{HOST}:{port}{path}"],
                         capture_output=True, text=True, check=True).stdout
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
    statuses = re.search(r"bench-statuses redirects=(\d+) others=(\d+)", out)
    if statuses:
        errors.update({k: v for k, v in (("not a redirect", int(statuses.group(2))),) if v})
    return {
        "rps": rps,
        "requests": requests,
        "redirects": int(statuses.group(1)) if statuses else None,
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


def run_threads(target, count):
    """target(i) in `count` threads at once; returns when all are done."""
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def signup_fields(token, n, email):
    """The sign-up form as a person fills it in, without the session choices."""
    fields = {
        "csrf_token": token,
        "name": f"Deltagare {n}",
        "email": email,
        "organisation": "Lycksele kommun",
        "job_title": "IT-strateg",
        "dietary_needs": "",
        "accessibility_needs": "",
        "discussion_topic": "Gemensam arkitektur",
        "consent": "y",
    }
    return {k: v for k, v in fields.items() if email is not None or k != "email"}


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
            fields = signup_fields(token, n, f"bench-{n}@example.org")
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


def ensure_wrk():
    """Throughput is measured by wrk only: installed with apt when missing, else a clear stop."""
    if shutil.which("wrk"):
        return
    print("bench: wrk is missing; installing it with apt-get")
    subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True)
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is not installed and apt-get could not install it "
                 "(apt-get install -y wrk); no Python stand-in measures throughput")


# wrk's script for sign-up POSTs; bench/run.py fills in the @NAMES@.
SIGNUP_LUA = r"""
-- Written by bench/run.py: one browser's cookie and CSRF token, a new email each request.
local threads = {}
local prefix = "@PREFIX@"
local blocks = @BLOCKS@
local tag = "@TAG@"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "@COOKIE@"

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  redirects = 0
  others = 0
end

function request()
  n = n + 1
  local body = prefix .. "&email=" .. tag .. "-" .. tid .. "-" .. n .. "%40example.org"
  for _, b in ipairs(blocks) do
    body = body .. "&" .. b[1] .. "=" .. b[2][(n % #b[2]) + 1]
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 302 then redirects = redirects + 1 else others = others + 1 end
end

function done(summary, latency, requests)
  local r, o = 0, 0
  for _, t in ipairs(threads) do
    r = r + t:get("redirects")
    o = o + t:get("others")
  end
  io.write(string.format("bench-statuses redirects=%d others=%d\n", r, o))
end
"""


def signup_script(path, cookie, token, event, tag):
    blocks = ", ".join(
        "{" + f'"block_{b["id"]}", {{{", ".join(str(s) for s in b["sessions"])}}}' + "}"
        for b in event["blocks"]
    )
    text = (SIGNUP_LUA.replace("@PREFIX@", urlencode(signup_fields(token, 0, None)))
            .replace("@BLOCKS@", "{" + blocks + "}").replace("@TAG@", tag)
            .replace("@COOKIE@", cookie))
    path.write_text(text)
    return path


def access_log_counts(log_path, offset):
    """(method, status) -> requests in gunicorn's JSON access log from byte `offset` on."""
    counts = {}
    with log_path.open("rb") as log:
        log.seek(offset)
        for line in log:
            if b'"gunicorn.access"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            key = (entry.get("method"), int(entry.get("status", 0)))
            counts[key] = counts.get(key, 0) + 1
    return counts


def wrk_signup_phase(args, ports, log_paths, event, env, workdir, tag):
    """Sign-up POSTs by wrk for `--duration` seconds, spread over `ports` (one wrk per node,
    side by side), each from its own browser (cookie and CSRF token from the form page).
    Afterwards every POST the servers answered is found in their access logs, and each 302
    must be exactly one stored registration with its confirmation in the outbox."""
    client = SignUpClient(ports[0], event)
    offsets = [path.stat().st_size for path in log_paths]
    scripts = []
    for i, port in enumerate(ports):
        client.port = port
        cookie, token = client.open()
        scripts.append(signup_script(workdir / f"signup-{tag}-{i}.lua", cookie, token, event,
                                     f"{tag}-n{i}"))
    results = [None] * len(ports)
    per_node = max(2, args.connections // len(ports))

    def run(i):
        results[i] = wrk_load(ports[i], client.path, args.duration, per_node, scripts[i])

    run_threads(run, len(ports))
    time.sleep(1.5)  # requests in flight when wrk stopped finish and are logged
    logged = {}
    for path, offset in zip(log_paths, offsets):
        for key, value in access_log_counts(path, offset).items():
            logged[key] = logged.get(key, 0) + value
    stored = json.loads(run_step(
        [sys.executable, "bench/data.py", "check-signups", "--slug", event["slug"],
         "--prefix", tag],
        env, "reading back the sign-ups",
    ).strip().splitlines()[-1])
    redirects = logged.get(("POST", 302), 0)
    other_posts = {f"POST {status}": n for (method, status), n in logged.items()
                   if method == "POST" and status != 302}
    wrk_redirects = sum(r["redirects"] or 0 for r in results)
    result = results[0] if len(results) == 1 else {
        "rps": sum(r["rps"] for r in results), "requests": sum(r["requests"] for r in results),
        "redirects": wrk_redirects,
        "p50_ms": max(r["p50_ms"] or 0 for r in results),
        "p99_ms": max(r["p99_ms"] or 0 for r in results),
        "errors": {}, "client": "wrk",
    }
    for r in results[1:]:
        for key, value in r["errors"].items():
            result["errors"][key] = result["errors"].get(key, 0) + value
    result["errors"].update(other_posts)
    result["check"] = {
        "logged_redirects": redirects, "wrk_redirects": wrk_redirects, **stored,
        "ok": (redirects == stored["registrations"] == stored["active_with_choices"]
               == stored["confirmations"] == stored["outbox_rows"]
               and wrk_redirects <= redirects and not other_posts),
    }
    if not result["check"]["ok"]:
        result["errors"]["database check"] = 1
    return result


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


def median_row(name, bare_runs, runs, unit, target, extra_ok=True):
    """One figure measured once per round: median req/s, median of the per-round ratios."""
    ratios = [run["rps"] / bare["rps"] for bare, run in zip(bare_runs, runs)]
    errors = {}
    for run in runs:
        for key, value in run["errors"].items():
            errors[key] = errors.get(key, 0) + value
    counted = sum(v for k, v in errors.items() if not k.startswith("socket read"))
    ratio = statistics.median(ratios)
    return {
        "measure": name, "figure": f"{statistics.median(r['rps'] for r in runs):.1f} {unit}",
        "value": statistics.median(r["rps"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] or 0 for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] or 0 for r in runs),
        "ratio": ratio, "ratios": ratios,
        "target": f">= {target} x" + (", 0 errors" if unit != "req/s" else ""),
        "verdict": verdict(ratio >= target and not counted and extra_ok),
        "errors": errors,
    }


def build_rows(args, bare_runs, rounds, signups, rush, attendees, memory, two_nodes=None):
    bare_rps = statistics.median(r["rps"] for r in bare_runs)
    rows = [{"measure": "bare Flask hello-world (bench/bare.py)",
             "figure": f"{bare_rps:.1f} req/s", "value": bare_rps,
             "p50_ms": statistics.median(r["p50_ms"] or 0 for r in bare_runs),
             "p99_ms": statistics.median(r["p99_ms"] or 0 for r in bare_runs),
             "ratio": 1.0, "target": "(reference)", "verdict": "",
             "runs": [round(r["rps"], 1) for r in bare_runs]}]
    rows.append(median_row("our hello route (the plumbing)", bare_runs,
                           [r["hello"] for r in rounds], "req/s", HELLO_TARGET))
    rows.append(median_row("event page GET", bare_runs, [r["event"] for r in rounds], "req/s",
                           EVENT_TARGET))
    rows.append(median_row("sign-up form GET", bare_runs, [r["form"] for r in rounds], "req/s",
                           FORM_TARGET))
    posts = [r["posts"] for r in rounds]
    checked = all(p["check"]["ok"] for p in posts)
    row = median_row(f"sign-up POSTs (wrk, checked: {'each 302 stored once' if checked else 'WRONG'})",
                     bare_runs, posts, "sign-ups/s", SIGNUP_POST_TARGET, checked)
    row["checks"] = [p["check"] for p in posts]
    rows.append(row)
    if all("floor" in r for r in rounds):
        floors = [r["floor"] for r in rounds]
        floor_checked = all(p["check"]["ok"] for p in floors)
        row = median_row("sign-up POSTs, durable essentials only (bench/floor.py, "
                         f"{'checked' if floor_checked else 'WRONG'})", bare_runs, floors,
                         "sign-ups/s", 0, floor_checked)
        row.update(target="reported (the ceiling)", checks=[p["check"] for p in floors])
        rows.append(row)
    ratio = signups["rps"] / bare_rps
    rows.append({
        "measure": f"complete sign-ups, form + POST + thanks ({args.signup_clients} Python clients)",
        **_figures(signups, "sign-ups/s"), "ratio": ratio, "target": "reported, 0 errors",
        "verdict": verdict(not signups["errors"]), "errors": signups["errors"],
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
    rows.extend(attendee_rows({"rps": bare_rps}, attendees))
    for pid, mb in memory:
        rows.append({"measure": f"worker {pid} RSS after the run", "figure": f"{mb:.1f} MB",
                     "p50_ms": None, "p99_ms": None, "ratio": None,
                     "target": f"< {RSS_TARGET_MB} MB", "verdict": verdict(mb < RSS_TARGET_MB)})
    if two_nodes is not None:
        rows.append(two_nodes)
    return rows


def attendee_rows(hello, attendees):
    queries = attendees["queries"]
    rows = []
    if "error" in attendees:
        rows.append({"measure": f"attendee list GET, {queries['large_people']} registrations",
                     "figure": attendees["error"], "p50_ms": None, "p99_ms": None,
                     "ratio": None, "target": f">= {ATTENDEE_TARGET} x, 0 errors",
                     "verdict": "MISS"})
    else:
        ratio = attendees["rps"] / hello["rps"]
        rows.append({
            "measure": f"attendee list GET, {queries['large_people']} registrations "
                       f"({attendees['requests']} views, signed in)",
            **_figures(attendees, "req/s"), "ratio": ratio,
            "target": f">= {ATTENDEE_TARGET} x, 0 errors",
            "verdict": verdict(ratio >= ATTENDEE_TARGET and not attendees["errors"]),
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
    header = ("measure", "result", "p50 ms", "p99 ms", "x bare", "target", "")
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
    ensure_wrk()
    port, bare_port = free_port(), free_port()
    load_at_start = os.getloadavg()[0]
    redis_url = args.redis_url if redis_answers(args.redis_url) else None
    with fresh_database(args.database, workdir) as database_url:
        env = server_env(database_url, port, args.workers, workdir, redis_url)
        bare_env = server_env(database_url, bare_port, args.workers, workdir)
        run_step([str(BIN / "flask"), "db", "upgrade"], env, "flask db upgrade")
        data = json.loads(run_step(
            [sys.executable, "bench/data.py", "load", "--rush-capacity", str(args.rush_capacity)],
            env, "loading data",
        ).strip().splitlines()[-1])
        print(f"bench: {args.database}, gunicorn {args.workers} sync workers (gunicorn.conf.py, "
              f"access log on) for eventapp on port {port} and a bare Flask hello-world on "
              f"{bare_port}; wrk -t2 -c{args.connections}, {args.duration:.0f} s per phase, "
              f"{args.rounds} rounds; rate-limit counters in "
              f"{'Redis' if redis_url else 'memory (no Redis answers)'}")
        print("bench: rate limits count but are raised for the one client address "
              "(bench/wsgi.py)")
        event_path = f"/events/{data['pages']['slug']}"
        form_path = f"{event_path}/signup"
        floor_port = free_port()
        floor_env = server_env(database_url, floor_port, args.workers, workdir)
        with gunicorn(bare_env, bare_port, workdir, "bench.bare:app", "bare"), \
                gunicorn(floor_env, floor_port, workdir, "bench.floor:create_floor_app()",
                         "floor") as (_floor_pid, floor_log), \
                gunicorn(env, port, workdir) as (master_pid, log_path):
            warm_up(bare_port, [HELLO])
            warm_up(port, [HELLO, event_path, form_path])
            bare_runs, rounds = [], []
            for n in range(1, args.rounds + 1):
                bare_runs.append(wrk_load(bare_port, HELLO, args.duration, args.connections))
                rounds.append({
                    "hello": wrk_load(port, HELLO, args.duration, args.connections),
                    "event": wrk_load(port, event_path, args.duration, args.connections),
                    "form": wrk_load(port, form_path, args.duration, args.connections),
                    "posts": wrk_signup_phase(args, [port], [log_path], data["signups"], env,
                                              workdir, f"wrk{n}"),
                    "floor": wrk_signup_phase(args, [floor_port], [floor_log], data["signups"],
                                              env, workdir, f"floor{n}"),
                })
                print(f"bench: round {n}: bare {bare_runs[-1]['rps']:.0f}, hello "
                      f"{rounds[-1]['hello']['rps']:.0f}, event {rounds[-1]['event']['rps']:.0f}, "
                      f"form {rounds[-1]['form']['rps']:.0f}, sign-up POSTs "
                      f"{rounds[-1]['posts']['rps']:.0f} req/s (bench/floor.py "
                      f"{rounds[-1]['floor']['rps']:.0f})")
            signups = signup_phase(args, port, data["signups"])
            rush = rush_phase(args, port, data["rush"], env)
            attendees = attendee_list_phase(port, data, env)
            memory = [(pid, rss_mb(pid)) for pid in sorted(worker_pids(master_pid))]
        two_nodes = None
        if args.database == "postgresql":
            two_nodes = two_node_phase(args, env, data, workdir, redis_url,
                                       statistics.median(r["rps"] for r in bare_runs))
        rows = build_rows(args, bare_runs, rounds, signups, rush, attendees, memory, two_nodes)

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    bare_rps = rows[0]["value"]
    title = (f"eventapp benchmark: {args.database}, {stamp}, gunicorn {args.workers} sync workers, "
             f"bare hello-world {bare_rps:.0f} req/s (median of "
             f"{', '.join(f'{r:.0f}' for r in rows[0]['runs'])}; wrk); "
             f"load average at start {load_at_start:.2f}")
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
        "rate_limit_storage": "redis" if redis_url else "memory",
        "bare_hello": {"median_rps": bare_rps, "runs": bare_runs},
        "hello": rounds and {"median_rps": rows[1]["value"], "runs": [r["hello"] for r in rounds]},
        "rounds": rounds,
        "load_average_at_start": load_at_start,
        "rows": rows,
        "rush": rush,
        "attendee_list": attendees,
        "seconds": round(time.monotonic() - started, 1),
    }, indent=2))
    print(f"bench: written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
          f"in {time.monotonic() - started:.0f} s")
    if not rush["pass"] or not all(r[phase]["check"]["ok"] for r in rounds
                                   for phase in ("posts", "floor")):
        return 1  # wrong seat counts, a lost or extra sign-up, server errors: a bug
    if args.strict and any(row["verdict"] == "MISS" for row in rows):
        return 2
    return 0


def two_node_phase(args, env, data, workdir, redis_url, bare_rps):
    """Two app nodes (two gunicorns, two ports) on one PostgreSQL and one Redis, taking
    sign-up POSTs from wrk at the same time: their summed rate, checked like phase (a)."""
    if not redis_url:
        return {"measure": "two nodes: sign-up POSTs", "figure": "skipped: no Redis answers",
                "p50_ms": None, "p99_ms": None, "ratio": None, "target": "reported",
                "verdict": ""}
    ports = [free_port(), free_port()]
    envs = [{**env, "GUNICORN_BIND": f"{HOST}:{p}", "BASE_URL": f"http://{HOST}:{p}"}
            for p in ports]
    for node_env in envs[1:]:
        node_env["SECRET_KEY"] = envs[0]["SECRET_KEY"]
    with gunicorn(envs[0], ports[0], workdir, name="node1") as (_pid1, log1), \
            gunicorn(envs[1], ports[1], workdir, name="node2") as (_pid2, log2):
        result = wrk_signup_phase(args, ports, [log1, log2], data["signups"], env, workdir,
                                  "twonodes")
    ratio = result["rps"] / bare_rps
    ok = result["check"]["ok"]
    return {
        "measure": f"two nodes, one PostgreSQL + Redis: sign-up POSTs (wrk, "
                   f"{'each 302 stored once' if ok else 'WRONG'})",
        **_figures(result, "sign-ups/s"), "ratio": ratio, "target": "reported, 0 errors",
        "verdict": verdict(ok and not [k for k in result["errors"] if not k.startswith("socket read")]),
        "errors": result["errors"], "checks": [result["check"]],
    }


if __name__ == "__main__":
    sys.exit(main())
