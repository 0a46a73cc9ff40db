"""flask commands: load-demo, deliver-mail, mail-worker."""
import signal

import click
from flask import current_app

from .extensions import db


def register(app):
    @app.cli.command("load-demo")
    def load_demo_command():
        """Create the Lycksele kickoff demo event (idempotent)."""
        from .demo import load_demo

        if not current_app.config["DEMO_DATA_ALLOWED"]:
            raise click.ClickException("Demo data is never loaded in production.")
        event, created = load_demo()
        click.echo(("Created" if created else "Already there:") + f" {event.title} ({event.slug})")

    @app.cli.command("deliver-mail")
    @click.option("--batches", default=100, help="Stop after this many batches.")
    def deliver_mail_command(batches):
        """Deliver every message that is due, then exit (for cron)."""
        from .mail.delivery import deliver_due, worker_id

        owner = worker_id()
        totals = {}
        for _ in range(batches):
            counts = deliver_due(owner=owner)
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
            if not any(counts.values()):
                break
        click.echo(" ".join(f"{key}={value}" for key, value in sorted(totals.items())) or "nothing due")

    @app.cli.command("mail-worker")
    @click.option("--poll", default=None, type=float, help="Seconds between polls when idle.")
    def mail_worker_command(poll):
        """Deliver mail continuously until stopped (SIGTERM or Ctrl-C finish the batch first)."""
        from .mail.delivery import run_worker

        stopping = []

        def stop(*_args):
            stopping.append(True)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        run_worker(poll_seconds=poll, stop=lambda: bool(stopping))
        db.session.remove()
