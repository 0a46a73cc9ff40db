#!/usr/bin/env python3
"""Benchmark the JSON API on gunicorn, and report ratios from one run (see bench/run.py).

- The public event as JSON (/api/v1/events/<id>) against the same event's public HTML page,
  under wrk in the same run: the JSON must serve at least as many requests a second.
- The organiser's registrations list, 100 a page: the number of SQL queries for an event
  with 10 and one with 5,000 registrations (must be equal), and the p50 time of a page at
  5,000 walking every page by its cursor. The change feed likewise.

    .venv/bin/python bench/api.py                         # SQLite
    .venv/bin/python bench/api.py --database postgresql   # BENCH_DATABASE_URL
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    BIN, fresh_database, free_port, gunicorn, http_get, run_step, server_env, wrk_load)

LARGE, SMALL, PAGE = 5_000, 10, 100


def setup():
    """Inside the app (a subprocess with the server's environment): two events of 5,000 and
    10 registrations with their change feeds, a read-only organiser token for both, and the
    SQL query count of a page of each. Prints one JSON object."""
    from sqlalchemy import event as sa_event

    from eventapp import create_app
    from eventapp.extensions import db
    from eventapp.models import Registration, RegistrationChange, SessionChoice
    from eventapp.services import accounts, api_tokens
    from eventapp.util.time import utcnow
    from tests.factories import make_event

    app = create_app()
    with app.app_context():
        events = {}
        for size in (LARGE, SMALL):
            event = make_event(capacities=(1_000_000,) * 2, title=f"API {size}")
            block = event.blocks[0]
            now = utcnow()
            for n in range(size):
                registration = Registration(
                    event_id=event.id, name=f"Deltagare {n}", email=f"api-{size}-{n}@example.org",
                    email_key=f"api-{size}-{n}@example.org", organisation="Umeå kommun",
                    created_at=now, updated_at=now, consented_at=now)
                registration.choices.append(SessionChoice(
                    block_id=block.id, session_id=block.sessions[n % 2].id, state="confirmed",
                    created_at=now))
                db.session.add(registration)
            db.session.flush()
            db.session.add_all(RegistrationChange(event_id=event.id, registration_id=r_id,
                                                  kind="created", created_at=now)
                               for r_id in db.session.scalars(db.select(Registration.id).where(
                                   Registration.event_id == event.id)))
            db.session.commit()
            events[size] = {"id": event.id, "slug": event.slug}
        user = accounts.create_user("api-bench@example.org", "API Bench", organiser=True,
                                    now=utcnow())
        _token, secret = api_tokens.issue(user.id, "bench", "organiser", False,
                                          [e["id"] for e in events.values()], utcnow())
        client, headers = app.test_client(), {"Authorization": f"Bearer {secret}"}
        counts = {}
        for what, path in (("registrations", "registrations?limit=100"),
                           ("changes", "changes?limit=100")):
            for size, event in events.items():
                url = f"/api/v1/events/{event['id']}/{path}"
                client.get(url, headers=headers)  # the token's first use is noted: not counted
                statements = []

                def record(*_args, statements=statements):
                    statements.append(1)

                sa_event.listen(db.engine, "before_cursor_execute", record)
                assert client.get(url, headers=headers).status_code == 200
                sa_event.remove(db.engine, "before_cursor_execute", record)
                counts[f"{what}_{size}"] = len(statements)
    print(json.dumps({"events": events, "token": secret, "queries": counts}))


def walk(port, path, headers, cursor_key, next_key):
    """Every page by its cursor; the time of each request in ms."""
    times, cursor = [], "0"
    while True:
        started = time.perf_counter()
        status, body = http_get(port, f"{path}&{cursor_key}={cursor}", headers)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, body[:300]
        page = json.loads(body)
        following = page[next_key]
        if not page["items"] or following is None or following == cursor:
            return times
        cursor = following


def run(args):
    with tempfile.TemporaryDirectory(prefix="eventapp-api-bench-") as tmp:
        workdir = Path(tmp)
        with fresh_database(args.database, workdir) as url:
            port = free_port()
            env = server_env(url, port, 2, workdir)
            env["API_RATELIMIT"] = "1000000 per second"
            run_step([str(BIN / "flask"), "db", "upgrade"], env, "migrations")
            data = json.loads(run_step([str(BIN / "python"), __file__, "--setup"], env,
                                       "the data").strip().splitlines()[-1])
            large = data["events"][str(LARGE)]
            headers = {"Authorization": f"Bearer {data['token']}"}
            with gunicorn(env, port, workdir):
                for path in (f"/events/{large['slug']}", f"/api/v1/events/{large['id']}"):
                    http_get(port, path)
                # Alternating rounds, so that a neighbour's load on the shared cores falls on
                # both alike; the mean of each.
                html, api = [], []
                for _round in range(args.rounds):
                    html.append(wrk_load(port, f"/events/{large['slug']}", args.seconds, 8)["rps"])
                    api.append(wrk_load(port, f"/api/v1/events/{large['id']}", args.seconds,
                                        8)["rps"])
                html, api = statistics.mean(html), statistics.mean(api)
                pages = walk(port, f"/api/v1/events/{large['id']}/registrations?limit={PAGE}",
                             headers, "cursor", "next_cursor")
                feed = walk(port, f"/api/v1/events/{large['id']}/changes?limit={PAGE}",
                            headers, "after", "next_cursor")
    q = data["queries"]
    report = {
        "database": args.database,
        "public_event_rps": {"html": round(html), "json": round(api),
                             "json_over_html": round(api / html, 2)},
        "registrations": {"queries_10": q[f"registrations_{SMALL}"],
                          "queries_5000": q[f"registrations_{LARGE}"],
                          "pages": len(pages), "p50_ms": round(statistics.median(pages), 1)},
        "changes": {"queries_10": q[f"changes_{SMALL}"], "queries_5000": q[f"changes_{LARGE}"],
                    "pages": len(feed), "p50_ms": round(statistics.median(feed), 1)},
    }
    ok = (api >= html and q[f"registrations_{SMALL}"] == q[f"registrations_{LARGE}"]
          and q[f"changes_{SMALL}"] == q[f"changes_{LARGE}"])
    print(json.dumps(report, indent=2))
    print("bench api:", "ok" if ok else "TARGET MISSED")
    return 0 if ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=5, help="wrk time per page and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per page")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.setup:
        setup()
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
