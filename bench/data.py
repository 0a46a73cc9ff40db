"""bench/run.py's hands inside the app: load the benchmark's events, read back the rush,
count the SQL queries of the attendee list.

Run as a subprocess with the same environment as the server under test (DATABASE_URL,
EVENTAPP_ENV=production, ...); prints one JSON object on its last line.
"""
import argparse
import json
import re
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event as sa_event, select  # noqa: E402

from eventapp import create_app  # noqa: E402
from eventapp.demo import load_demo  # noqa: E402
from eventapp.extensions import db  # noqa: E402
from eventapp.models import Event, OutboxMessage, Registration, SessionChoice  # noqa: E402
from eventapp.services import accounts  # noqa: E402
from eventapp.util.time import utcnow  # noqa: E402
from tests.factories import make_event  # noqa: E402

ROOMY = 1_000_000
# The attendee list: one session with this many confirmed people, and a small one beside it
# so that the query count can be compared between the two.
LIST_PEOPLE = 500
LIST_SMALL = 10
ORGANISER_EMAIL = "bench-organisator@example.org"
ORGANISATIONS = ("Umeå kommun", "Region Västerbotten", "Lycksele kommun", "Skellefteå kommun",
                 "Åsele kommun", "Malå kommun", "Örnsköldsviks kommun")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _shape(event):
    return {
        "slug": event.slug,
        "blocks": [{"id": b.id, "sessions": [s.id for s in b.sessions]} for b in event.blocks],
    }


def load(args):
    """Four events: the real-looking demo (pages), one with room (sign-ups), one rush, one
    whose sessions have 500 and 10 confirmed people (the attendee list); and an organiser."""
    with create_app().app_context():
        demo, _created = load_demo()
        roomy = make_event(capacities=(ROOMY,) * 4, title="Gott om plats")
        rush = make_event(capacities=(args.rush_capacity,), title="Rusning")
        listed = make_event(capacities=(LIST_PEOPLE, LIST_SMALL), title="Deltagarlista")
        block = listed.blocks[0]
        large, small = block.sessions[0], block.sessions[1]
        _add_confirmed(listed.id, block.id, [large.id] * LIST_PEOPLE + [small.id] * LIST_SMALL)
        password = secrets.token_urlsafe(18)
        accounts.create_user(ORGANISER_EMAIL, "Bench Organisatör", password, organiser=True,
                             now=utcnow())
        return {
            "pages": _shape(demo), "signups": _shape(roomy), "rush": _shape(rush),
            "attendees": {"session": large.id, "people": LIST_PEOPLE,
                          "small_session": small.id, "small_people": LIST_SMALL,
                          "email": ORGANISER_EMAIL, "password": password},
        }


def _add_confirmed(event_id, block_id, session_ids):
    """Confirmed registrations, one per session id given, as ORM objects in one transaction
    (the booking service would take a lock and write the outbox for each: too slow here)."""
    now = utcnow()
    for n, session_id in enumerate(session_ids, start=1):
        registration = Registration(
            event_id=event_id, name=f"Deltagare {n}", email=f"lista-{n}@example.org",
            email_key=f"lista-{n}@example.org", organisation=ORGANISATIONS[n % len(ORGANISATIONS)],
            job_title="IT-strateg", discussion_topic="Gemensam arkitektur" if n % 3 else "",
            dietary_needs="Vegetarisk" if n % 10 == 0 else "", created_at=now, updated_at=now,
            consented_at=now,
        )
        registration.choices.append(SessionChoice(block_id=block_id, session_id=session_id,
                                                  state=SessionChoice.CONFIRMED, created_at=now))
        db.session.add(registration)
    db.session.commit()


def count_queries(args):
    """SQL statements one view of the attendee list costs, per session: in this process, with
    a test client signed in as the organiser, counted on the engine (before_cursor_execute)."""
    app = create_app()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={
        "csrf_token": CSRF.search(page).group(1), "email": args.email, "password": args.password})
    if response.status_code != 302:
        sys.exit(f"bench: count-queries could not sign in ({response.status_code})")
    with app.app_context():
        engine = db.engine
    statements = []

    def count(*_args):
        statements.append(1)

    def view(session_id):
        response = client.get(f"/lead/sessions/{session_id}")
        if response.status_code != 200:
            sys.exit(f"bench: count-queries: /lead/sessions/{session_id} gave {response.status_code}")
        return response

    for session_id in args.session:
        view(session_id)  # first views fill the per-process caches (templates, translations)
    counts = {}
    for session_id in args.session:
        statements.clear()
        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            view(session_id)
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        counts[str(session_id)] = len(statements)
    return counts


def check_rush(args):
    """Seats and waiting-list numbers of one session, as the database has them."""
    with create_app().app_context():
        rows = db.session.execute(
            select(SessionChoice.state, SessionChoice.queue_no)
            .where(SessionChoice.session_id == args.session)
        ).all()
    return {
        "confirmed": sum(1 for state, _q in rows if state == SessionChoice.CONFIRMED),
        "waiting": sum(1 for state, _q in rows if state == SessionChoice.WAITING),
        "queue_numbers": sorted(q for state, q in rows if state == SessionChoice.WAITING),
    }


def check_signups(args):
    """What the sign-ups whose addresses start with `prefix` left in the database: the
    registrations, those active with a session in every block, and their outbox rows."""
    with create_app().app_context():
        event = db.session.scalar(select(Event).where(Event.slug == args.slug))
        pattern = f"{args.prefix}-%"
        registrations = db.session.scalars(
            select(Registration).where(Registration.event_id == event.id,
                                       Registration.email.like(pattern))
        ).all()
        blocks = len(event.blocks)
        outbox = db.session.execute(
            select(OutboxMessage.kind, OutboxMessage.registration_id)
            .where(OutboxMessage.to_address.like(pattern))
        ).all()
        ids = {r.id for r in registrations}
        return {
            "registrations": len(registrations),
            "active_with_choices": sum(
                1 for r in registrations if r.is_active
                and sum(c.state == SessionChoice.CONFIRMED for c in r.choices) == blocks
            ),
            "confirmations": len({rid for kind, rid in outbox
                                  if kind == "confirmation" and rid in ids}),
            "outbox_rows": len(outbox),
        }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    load_parser = commands.add_parser("load")
    load_parser.add_argument("--rush-capacity", type=int, default=50)
    rush_parser = commands.add_parser("check-rush")
    rush_parser.add_argument("--session", type=int, required=True)
    count_parser = commands.add_parser("count-queries")
    count_parser.add_argument("--session", type=int, action="append", required=True)
    count_parser.add_argument("--email", required=True)
    count_parser.add_argument("--password", required=True)
    signups_parser = commands.add_parser("check-signups")
    signups_parser.add_argument("--slug", required=True)
    signups_parser.add_argument("--prefix", required=True)
    args = parser.parse_args(argv)
    result = {"load": load, "check-rush": check_rush,
              "count-queries": count_queries,
              "check-signups": check_signups}[args.command](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
