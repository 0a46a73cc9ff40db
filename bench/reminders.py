#!/usr/bin/env python3
"""Benchmark: a 1,000-recipient reminder through the outbox, against a bare smtplib loop.

Both send to the same local aiosmtpd server. Ours: queue the reminder for 1,000 people and
run the worker's `deliver_due` until the outbox is empty (render each message, one SMTP
connection per batch, commit "sent" after each), in a process prepared as a started mail
worker is (leave_startup_objects_to_refcounting). The baseline: the same 1,000 messages,
already rendered (the bytes the server received), sent by smtplib over one connection, three
times (the median counts). The figure that counts is the ratio of the two wall times from
one run; the CPU time of the process (the in-process server's thread included) is printed
too, being steadier when other work shares the cores. `--profile` prints a pyinstrument
report of the worker's part.

    .venv/bin/python bench/reminders.py                        # SQLite
    .venv/bin/python bench/reminders.py --database postgresql  # BENCH_DATABASE_URL
"""
import argparse
import json
import os
import smtplib
import socket
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EVENTAPP_INSTANCE_DIR", tempfile.mkdtemp(prefix="eventapp-bench-"))

import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--profile", action="store_true",
                        help="print a pyinstrument report of the worker's part")
    args = parser.parse_args(argv)

    schema = None
    if args.database == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='eventapp-bench-')}/bench.sqlite3"
    else:
        base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        result = run(url, port, sink, args.recipients, args.profile)
    finally:
        controller.stop()
        if schema:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    result["database"] = args.database
    print(f"reminder to {args.recipients} recipients via aiosmtpd ({args.database})")
    print(f"  eventapp outbox worker : {result['ours_seconds']:7.2f} s "
          f"({result['ours_per_second']:.0f} msg/s)")
    print(f"  bare smtplib loop      : {result['baseline_seconds']:7.2f} s, median of 3 "
          f"({result['baseline_per_second']:.0f} msg/s)")
    print(f"  ratio (ours / bare)    : {result['ratio']:.2f}x the time")
    print(f"  CPU (server included)  : {result['ours_cpu_seconds']:.2f} s / "
          f"{result['baseline_cpu_seconds']:.2f} s = {result['cpu_ratio']:.2f}x")
    out = ROOT / "bench" / "results" / f"{datetime.now():%Y%m%d-%H%M%S}-reminders-{args.database}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"  written to {out.relative_to(ROOT)}")
    return result


def run(url, port, sink, recipients, profile=False):
    from config import Config
    from eventapp import create_app
    from eventapp.domain.reminders import Audience
    from eventapp.extensions import db
    from eventapp.mail.delivery import deliver_due, leave_startup_objects_to_refcounting
    from eventapp.models import OutboxMessage, Registration, SessionChoice
    from eventapp.services import reminders
    from eventapp.util.time import utcnow
    from flask_migrate import upgrade
    from tests.factories import make_event

    app = create_app(Config, {"SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": "127.0.0.1",
                              "MAIL_PORT": port, "SECRET_KEY": "bench", "OUTBOX_BATCH_SIZE": 100})
    import logging

    logging.getLogger("eventapp").setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        event = make_event(capacities=(recipients,))
        block, session = event.blocks[0], event.blocks[0].sessions[0]
        now = utcnow()
        for n in range(recipients):
            registration = Registration(event_id=event.id, name=f"Deltagare {n}",
                                        email=f"deltagare{n}@example.org",
                                        email_key=f"deltagare{n}@example.org",
                                        organisation="Umeå kommun", created_at=now,
                                        updated_at=now, consented_at=now)
            registration.choices.append(SessionChoice(block_id=block.id, session_id=session.id,
                                                      state="confirmed", created_at=now))
            db.session.add(registration)
        db.session.commit()
        texts = {"subject": "Påminnelse: {event} den {date}",
                 "body": "Hej {name}!\n\nVälkommen till {event}, {venue}.\n\n"
                         "Ditt dialogmöte: {session} i {room}.\n\n{manage_link}"}

        # As the mail worker does once it has started (run_worker).
        leave_startup_objects_to_refcounting()
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        reminders.save_reminder(event.id, None, texts, Audience(), None, None, utcnow(),
                                send_now=True)
        while any(deliver_due().values()):
            pass
        ours, ours_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if profiler:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        sent = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.status == "sent"))
        assert sent == recipients, sent
        db.session.remove()
        db.engine.dispose()

    # The baseline sends our own messages as the server received them: the same bytes, the
    # same envelopes. Three rounds, the median of each figure (the cores are often shared).
    captured = list(sink.messages)
    rounds = []
    for _round in range(3):
        sink.messages.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for mail_from, rcpt_tos, content in captured:
                smtp.sendmail(mail_from, rcpt_tos, content)
        rounds.append((time.perf_counter() - started, time.process_time() - cpu_started))
        assert len(sink.messages) == recipients
    baseline = statistics.median(wall for wall, _cpu in rounds)
    baseline_cpu = statistics.median(cpu for _wall, cpu in rounds)
    return {
        "recipients": recipients,
        "ours_seconds": round(ours, 3),
        "baseline_seconds": round(baseline, 3),
        "ours_per_second": recipients / ours,
        "baseline_per_second": recipients / baseline,
        "ratio": round(ours / baseline, 2),
        # CPU time of the whole process (the SMTP server's thread too): steadier than wall
        # time when other work shares the cores.
        "ours_cpu_seconds": round(ours_cpu, 3),
        "baseline_cpu_seconds": round(baseline_cpu, 3),
        "cpu_ratio": round(ours_cpu / baseline_cpu, 2),
    }


if __name__ == "__main__":
    main()
