"""flask commands: load-demo, deliver-mail, mail-worker."""
import signal

import click
from flask import current_app

from .extensions import db


def register(app):
    @app.cli.command("load-demo")
    def load_demo_command():
        """Create the Lycksele kickoff demo event (idempotent)."""
        from .demo import load_demo, load_preference_demo

        if not current_app.config["DEMO_DATA_ALLOWED"]:
            raise click.ClickException("Demo data is never loaded in production.")
        event, created = load_demo()
        click.echo(("Created" if created else "Already there:") + f" {event.title} ({event.slug})")
        event, created = load_preference_demo()
        click.echo(("Created" if created else "Already there:") + f" {event.title} ({event.slug})")

    @app.cli.command("create-user")
    @click.option("--email", prompt=True, help="Sign-in address.")
    @click.option("--name", prompt=True, help="Full name.")
    @click.option("--organiser/--no-organiser", default=True, help="Organiser role (default on).")
    @click.option("--lead/--no-lead", default=False, help="Session lead role.")
    def create_user_command(email, name, organiser, lead):
        """Create an account. The password is read from a prompt (or stdin), never an argument."""
        from .domain.errors import EmailTaken, PasswordTooWeak
        from .services import accounts
        from .util.time import utcnow

        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            user = accounts.create_user(email, name, password, organiser=organiser, lead=lead,
                                        now=utcnow())
        except PasswordTooWeak:
            minimum = current_app.config["PASSWORD_MIN_LENGTH"]
            raise click.ClickException(
                f"Password too weak: use at least {minimum} characters, not like the address."
            ) from None
        except EmailTaken:
            raise click.ClickException("That address already has an account.") from None
        click.echo(f"Created {user.email} ({', '.join(sorted(user.roles)) or 'no role'}).")

    @app.cli.command("create-api-token")
    @click.option("--email", required=True, help="The staff account the token acts as.")
    @click.option("--name", required=True, help="What the token is for (shown on the account page).")
    @click.option("--event", "events", type=int, multiple=True, help="An event it covers (organisers).")
    @click.option("--session", "sessions", type=int, multiple=True,
                  help="A session it covers (leads).")
    @click.option("--write/--read-only", default=False, help="May it add and cancel (default: no).")
    @click.option("--days", type=int, default=90, help="Valid for this many days (default 90).")
    def create_api_token_command(email, name, events, sessions, write, days):
        """Make a personal access token for the API and print its secret (shown only now)."""
        from .domain.errors import InvalidChoice
        from .services import accounts, api_tokens
        from .util.time import utcnow

        user = accounts.find_user(email)
        if user is None or not user.active:
            raise click.ClickException("No active account has that address.")
        kind = "lead" if sessions else "organiser"
        try:
            _token, secret = api_tokens.issue(user.id, name, kind, write,
                                              list(sessions or events), utcnow(), days=days)
        except InvalidChoice:
            raise click.ClickException(
                "Name events the account organises (--event) or sessions it leads (--session).") from None
        click.echo(secret)

    @app.cli.command("demo-logins")
    def demo_logins_command():
        """Print a one-time sign-in link for each demo account (development only)."""
        from sqlalchemy import select

        from .models import User
        from .services import accounts, api_tokens
        from .util.time import utcnow

        if not current_app.config["DEMO_DATA_ALLOWED"]:
            raise click.ClickException("Demo sign-in links exist only in development.")
        users = db.session.scalars(select(User).where(User.is_demo).order_by(User.id)).all()
        if not users:
            raise click.ClickException("No demo accounts: run `flask load-demo` first.")
        base = current_app.config["BASE_URL"]
        for user in users:
            token = accounts.issue_login_token(user.id, utcnow())
            role = "organiser" if user.is_organiser else "lead"
            click.echo(f"{user.name} ({role}): {base}/login/token/{token}")
        click.echo("Each link works once, for one hour.")
        organiser = next((u for u in users if u.is_organiser), None)
        if organiser is not None:
            secret = api_tokens.issue_demo_token(organiser.id, utcnow())
            click.echo(f"A read-only API token of {organiser.name} for the demo events (one day): "
                       f"{secret}")
            click.echo(f"Try: curl -H 'Authorization: Bearer {secret}' {base}/api/v1/events "
                       f"(documentation: {base}/api/docs)")

    @app.cli.command("apply-retention")
    def apply_retention_command():
        """Remove personal data whose time is up (run daily from cron)."""
        from .services.privacy import apply_retention
        from .util.time import utcnow

        counts = apply_retention(utcnow())
        click.echo(f"sensitive answers cleared: {counts['sensitive_cleared']}, "
                   f"registrations anonymised: {counts['anonymised']}")

    @app.cli.command("deliver-mail")
    @click.option("--batches", default=100, help="Stop after this many batches.")
    def deliver_mail_command(batches):
        """Deliver every message that is due, then exit (for cron)."""
        from .mail.delivery import deliver_due, leave_startup_objects_to_refcounting, worker_id
        from .services.allocation import allocate_due
        from .services.reminders import queue_due_reminders
        from .util.time import utcnow

        # As the mail worker does: a run may deliver thousands of messages.
        leave_startup_objects_to_refcounting()
        owner = worker_id()
        totals = {"reminder_messages_queued": queue_due_reminders(utcnow()),
                  "allocations_computed": allocate_due(utcnow())}
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
