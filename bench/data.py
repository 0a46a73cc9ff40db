"""bench/run.py's hands inside the app: load the benchmark's events, read back the rush.

Run as a subprocess with the same environment as the server under test (DATABASE_URL,
EVENTAPP_ENV=production, ...); prints one JSON object on its last line.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from eventapp import create_app  # noqa: E402
from eventapp.demo import load_demo  # noqa: E402
from eventapp.extensions import db  # noqa: E402
from eventapp.models import SessionChoice  # noqa: E402
from tests.factories import make_event  # noqa: E402

ROOMY = 1_000_000


def _shape(event):
    return {
        "slug": event.slug,
        "blocks": [{"id": b.id, "sessions": [s.id for s in b.sessions]} for b in event.blocks],
    }


def load(args):
    """Three events: the real-looking demo (pages), one with room (sign-ups), one rush."""
    with create_app().app_context():
        demo, _created = load_demo()
        roomy = make_event(capacities=(ROOMY,) * 4, title="Gott om plats")
        rush = make_event(capacities=(args.rush_capacity,), title="Rusning")
        return {"pages": _shape(demo), "signups": _shape(roomy), "rush": _shape(rush)}


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    load_parser = commands.add_parser("load")
    load_parser.add_argument("--rush-capacity", type=int, default=50)
    rush_parser = commands.add_parser("check-rush")
    rush_parser.add_argument("--session", type=int, required=True)
    args = parser.parse_args(argv)
    result = {"load": load, "check-rush": check_rush}[args.command](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
