"""Durability of sign-ups is not for sale (issue 16): the web's connections commit with SQLite
synchronous=FULL in WAL mode and PostgreSQL synchronous_commit=on. Only the mail worker's
"sent" mark (relaxed_commit) skips the wait for the disk, and only for its own commit."""
from sqlalchemy import text

from eventapp.extensions import db
from eventapp.mail.delivery import deliver_due
from eventapp.services.unit_of_work import relaxed_commit, relaxed_connection
from tests.factories import make_event, sign_up

FULL, NORMAL = 2, 1


def durability(connection):
    """What a commit on this connection waits for, as the database reports it."""
    if connection.dialect.name == "sqlite":
        return (connection.execute(text("PRAGMA journal_mode")).scalar(),
                connection.execute(text("PRAGMA synchronous")).scalar())
    return connection.execute(text("SHOW synchronous_commit")).scalar()


def durable(backend):
    return ("wal", FULL) if backend == "sqlite" else "on"


def test_the_web_commits_durably_even_right_after_the_worker_marked_mail_sent(
        app, client, backend, inbox):
    with app.app_context():
        event = make_event(capacities=(5,))
        sign_up(event, 1)
        slug = event.slug
        with relaxed_commit():
            # The worker's own commit does not wait for the disk (so this test can fail).
            assert durability(db.session.connection()) == (
                ("wal", NORMAL) if backend == "sqlite" else "off")
            db.session.commit()
        assert deliver_due()["sent"] == 1  # its "sent" mark was a relaxed commit
        assert len(inbox.messages) == 1

    # A sign-up through the web afterwards, on whatever connection the pool hands out.
    assert client.get(f"/events/{slug}").status_code == 200
    with app.test_request_context():
        assert durability(db.session.connection()) == durable(backend)
        # Every connection in the pool, not only the one handed out first.
        assert_pool_durable(backend)


def test_the_workers_connection_for_marks_is_relaxed_and_durable_again_in_the_pool(
        app, backend):
    with app.app_context():
        with relaxed_connection(db.engine) as marks:
            assert durability(marks) == (("wal", NORMAL) if backend == "sqlite" else "off")
        assert_pool_durable(backend)


def assert_pool_durable(backend, count=3):
    """The first `count` connections the pool hands out are all durable again."""
    connections = [db.engine.connect() for _ in range(count)]
    try:
        assert [durability(c) for c in connections] == [durable(backend)] * count
    finally:
        for connection in connections:
            connection.close()
