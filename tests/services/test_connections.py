"""The pool's connections: a PostgreSQL connection the server dropped is replaced before a
request uses it; a SQLite file, which nothing can drop, is not pinged first."""
import sqlalchemy as sa

from eventapp.extensions import db
from tests.factories import make_event
from tests.helpers import text_of


def test_a_postgresql_connection_is_pinged_and_a_sqlite_file_is_not(app, backend):
    with app.app_context():
        assert db.engine.pool._pre_ping is (backend == "postgresql")


def test_a_page_works_after_the_server_dropped_the_pools_connection(app, client, backend):
    with app.app_context():
        slug = make_event(title="Ping").slug
        db.session.commit()
        pid = db.session.connection().exec_driver_sql(
            "SELECT pg_backend_pid()" if backend == "postgresql" else "SELECT 1").scalar()
        db.session.remove()
        if backend == "postgresql":
            other = sa.create_engine(db.engine.url)
            with other.begin() as conn:
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.dispose()
        assert db.engine.pool.checkedin() == 1
    assert "Ping" in text_of(client.get(f"/events/{slug}"))
