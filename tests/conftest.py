"""Fixtures: an app per test on a real database (SQLite file, and PostgreSQL when
TEST_DATABASE_URL is set), a real SMTP server (aiosmtpd) catching mail.

Every database test runs once per backend through the `backend` parameter.
"""
import email
import email.policy
import os
import shutil
import socket
import threading
import uuid

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from config import TestConfig

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- mail -------------------------------------------------------------------------------


class Inbox:
    """What the SMTP server received, parsed; `refuse` makes it answer with an SMTP error,
    `refuse_recipients` refuses those addresses at RCPT, as a server without the mailbox does."""

    def __init__(self):
        self.messages = []
        self.refuse = []  # queue of (code, text) to answer DATA with, one per message
        self.refuse_recipients = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse_recipients:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                code, text = self.refuse.pop(0)
                return f"{code} {text}"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for m in self.messages if address.lower() in m["To"].lower()]

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.refuse.clear()
            self.refuse_recipients.clear()


@pytest.fixture(scope="session")
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def inbox(smtp_server):
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


# --- databases --------------------------------------------------------------------------


def _migrate(app):
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite file per run; each test gets its own copy."""
    from eventapp import create_app

    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    _migrate(app)
    with app.app_context():
        from eventapp.extensions import db

        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema_url():
    """A schema of our own for this run, migrated once, dropped at the end."""
    if not PG_URL:
        pytest.skip("PostgreSQL: TEST_DATABASE_URL is not set")
    from eventapp import create_app

    schema = f"eventapp_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}%20-clock_timeout%3D20000"
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})
    _migrate(app)
    with app.app_context():
        from eventapp.extensions import db

        db.engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def pytest_collection_modifyitems(config, items):
    """Without TEST_DATABASE_URL the PostgreSQL variants are not run, said once, not per test."""
    if PG_URL:
        return
    skipped = [i for i in items if getattr(i, "callspec", None)
               and i.callspec.params.get("backend") == "postgresql"]
    if skipped:
        dropped = set(skipped)
        items[:] = [i for i in items if i not in dropped]
        config.hook.pytest_deselected(items=skipped)
        config._postgresql_not_run = len(skipped)


def pytest_terminal_summary(terminalreporter, config):
    if PG_URL:
        return
    # Under pytest-xdist the workers collect, so the count is known only in a serial run.
    count = getattr(config, "_postgresql_not_run", 0)
    variants = f"its {count} test variants" if count else "its test variants (deselected)"
    terminalreporter.write_line(
        f"PostgreSQL: TEST_DATABASE_URL is not set, so {variants} did not run "
        "(see README, PostgreSQL)")


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path):
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "eventapp.sqlite3"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_schema_url")
        yield url
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    sa.text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                        "AND tablename <> 'alembic_version'"
                    )
                )
            ]
            if tables:
                conn.execute(
                    sa.text(
                        "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                    )
                )
        engine.dispose()


# --- the app ----------------------------------------------------------------------------


@pytest.fixture
def make_app(database_url, smtp_server):
    """Build an app on this test's database; overrides go into its config."""
    from eventapp import create_app
    from eventapp.extensions import db

    apps = []

    def factory(**overrides):
        config = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_server.port,
            "MAIL_DEFAULT_SENDER": "Digitala Västerbotten <noreply@eventapp.test>",
            "OUTBOX_POLL_SECONDS": 0.05,
        }
        config.update(overrides)
        app = create_app(TestConfig, config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app, inbox):
    return make_app()


@pytest.fixture
def ctx(app):
    """An app context for domain and service tests."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()
