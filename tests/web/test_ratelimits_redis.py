"""The sign-up limits on Redis, as production keeps them: the per-email sign-up limit is read in
the per-address limit's round trip (web/ratelimits.py, read_email_limit_along)."""
import os
import time
import uuid

import pytest
from limits import parse
from sqlalchemy import func, select

from bench.run import redis_answers
from eventapp.extensions import db, limiter
from eventapp.models import Registration
from tests.factories import make_event
from tests.helpers import signup_data, text_of

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_app(make_app, inbox):
    """An app whose limits count in Redis, under keys of this test's own."""
    if not redis_answers(REDIS_URL):
        pytest.skip(f"Redis: nothing answers at {REDIS_URL} (set TEST_REDIS_URL)")
    app = make_app(RATELIMIT_STORAGE_URI=REDIS_URL,
                   RATELIMIT_STORAGE_OPTIONS={"key_prefix": f"test-{uuid.uuid4().hex}"},
                   RATELIMIT_SIGNUP_PER_EMAIL="2 per hour")
    yield app
    limiter.storage.reset()


def _window_key(email):
    return limiter.storage.prefixed_key(parse("2 per hour").key_for("signup", email))


def _registrations(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Registration))


def test_the_third_sign_up_of_an_address_is_refused_with_the_time_to_wait(redis_app):
    client = redis_app.test_client()
    with redis_app.app_context():
        events = [make_event() for _ in range(3)]
        data = [signup_data(client, e, email="tre@example.org") for e in events]
        other = signup_data(client, events[2], email="annan@example.org")
    answers = [client.post(f"/events/{e.slug}/signup", data=d) for e, d in zip(events, data)]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert "För många försök" in text_of(answers[2])
    assert 3500 <= int(answers[2].headers["Retry-After"]) <= 3600
    assert _registrations(redis_app) == 2
    remaining = [int(a.headers["X-RateLimit-Remaining"]) for a in answers]
    assert remaining == [remaining[0], remaining[0] - 1, remaining[0] - 2]
    assert client.post(f"/events/{events[2].slug}/signup", data=other).status_code == 302


def _sign_up_after(redis_app, typed, email, signed_up_at):
    """A sign-up POST for the address typed as `typed`, whose window (under its normalised
    `email`) holds sign-ups made at the times `signed_up_at`."""
    client = redis_app.test_client()
    with redis_app.app_context():
        event = make_event()
        data = signup_data(client, event, email=typed)
    limiter.storage.get_connection().lpush(_window_key(email), *signed_up_at)
    return client.post(f"/events/{event.slug}/signup", data=data)


def test_sign_ups_older_than_the_window_leave_the_address_its_limit(redis_app):
    two_hours_ago = time.time() - 7200
    answer = _sign_up_after(redis_app, "gammal@example.org", "gammal@example.org",
                            [two_hours_ago, two_hours_ago])
    assert answer.status_code == 302
    window = limiter.storage.get_connection().lrange(_window_key("gammal@example.org"), 0, -1)
    assert len([at for at in map(float, window) if at > two_hours_ago]) == 1  # counted once


def test_a_full_window_refuses_before_the_booking(redis_app):
    minute_ago = time.time() - 60
    answer = _sign_up_after(redis_app, "  FULL@example.org", "full@example.org",
                            [minute_ago, minute_ago])
    assert answer.status_code == 429
    assert _registrations(redis_app) == 0


def test_a_sign_up_asks_redis_twice(redis_app, monkeypatch):
    """The per-address limit's hit (which reads the address's sign-up limit along) and the
    count of the sign-up made: the check before the booking costs no round trip of its own."""
    client = redis_app.test_client()
    with redis_app.app_context():
        event = make_event()
        data = signup_data(client, event, email="tva@example.org")
    pool = limiter.storage.get_connection().connection_pool
    taken = []
    get_connection = pool.get_connection
    monkeypatch.setattr(pool, "get_connection", lambda: taken.append(1) or get_connection())
    assert client.post(f"/events/{event.slug}/signup", data=data).status_code == 302
    assert len(taken) == 2
    assert _registrations(redis_app) == 1


def test_a_redis_that_forgot_the_scripts_still_counts(redis_app):
    """A restarted Redis knows none of the scripts: they are loaded again, and counted as ever."""
    client = redis_app.test_client()
    with redis_app.app_context():
        events = [make_event() for _ in range(2)]
        data = [signup_data(client, e, email="glomsk@example.org") for e in events]
    redis = limiter.storage.get_connection()
    redis.script_flush()
    assert client.post(f"/events/{events[0].slug}/signup", data=data[0]).status_code == 302
    redis.script_flush()
    assert client.post(f"/events/{events[1].slug}/signup", data=data[1]).status_code == 302
    assert redis.llen(_window_key("glomsk@example.org")) == 2
