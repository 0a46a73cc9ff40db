"""Migrations that rebuild tables on SQLite keep every row and every reference."""
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from config import TestConfig
from eventapp import create_app
from eventapp.extensions import db
from eventapp.models import OutboxMessage, Registration, SessionChoice
from eventapp.services import privacy
from eventapp.util.time import utcnow
from tests.factories import make_event, make_user, sign_up

IDS_NEVER_REPEAT = "b7e4d2a9c1f0"


def count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_making_ids_never_repeat_keeps_every_row_and_reference(tmp_path):
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db.sqlite3"})
    with app.app_context():
        upgrade(revision=f"{IDS_NEVER_REPEAT}-1")
        event = make_event()
        sign_up(event, 1)
        sign_up(event, 2)
        make_user()
        before = (count(Registration), count(SessionChoice), count(OutboxMessage))
        db.session.remove()

        upgrade(revision=IDS_NEVER_REPEAT)
        assert (count(Registration), count(SessionChoice), count(OutboxMessage)) == before == (2, 2, 2)
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
        db.session.rollback()
        privacy.delete_registration(2, utcnow())
        assert sign_up(db.session.merge(event), 3).id == 3
        db.engine.dispose()
