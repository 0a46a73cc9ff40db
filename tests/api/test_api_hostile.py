"""Findings of the API red team (/work/notes/redteam-api.md), kept fixed: a JSON body nested
too deep, guessing secrets without a rate limit, and what the public API says about a block."""
import secrets

from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import ParallelBlock, Registration
from tests.api.conftest import bearer


def test_a_json_body_nested_too_deep_is_a_bad_request_and_nothing_is_stored(app, world):
    client = app.test_client()
    url = f"/api/v1/events/{world.event_id}/registrations"
    with app.app_context():
        before = db.session.scalar(select(db.func.count(Registration.id)))
    for body in ("[" * 100_000 + "]" * 100_000, '{"name": ' + "[" * 50_000 + "]" * 50_000 + "}"):
        answer = client.post(url, data=body, content_type="application/json",
                             headers=bearer(world.tokens["organiser"]))
        assert answer.status_code == 400
        assert answer.mimetype == "application/problem+json"
        assert answer.json["type"] == "urn:eventapp:problem:bad-request"
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Registration.id))) == before


def test_guessed_secrets_are_rate_limited_by_address_and_real_tokens_are_not_hit(make_app,
                                                                              world):
    app = make_app(API_RATELIMIT="3 per minute")
    client = app.test_client()
    url = f"/api/v1/events/{world.event_id}/session-counts"
    guesses = [client.get(url, headers=bearer("eva_" + secrets.token_urlsafe(32)))
               for _ in range(4)]
    assert [a.status_code for a in guesses] == [401, 401, 401, 429]
    assert [a.headers["RateLimit-Remaining"] for a in guesses] == ["2", "1", "0", "0"]
    assert int(guesses[3].headers["Retry-After"]) >= 1
    # A live token keeps its own count, whatever was guessed from the same address.
    real = client.get(url, headers=bearer(world.tokens["organiser"]))
    assert real.status_code == 200 and real.headers["RateLimit-Remaining"] == "2"


def test_the_public_event_tells_how_each_block_gives_its_seats(app, world):
    with app.app_context():
        db.session.get(ParallelBlock, world.block_id).allocation_mode = ParallelBlock.PREFERENCES
        db.session.commit()
    answer = app.test_client().get(f"/api/v1/events/{world.event_id}")
    assert [b["mode"] for b in answer.json["blocks"]] == ["preferences"]
    spec = app.test_client().get("/api/v1/openapi.json").json
    mode = spec["components"]["schemas"]["Block"]["properties"]["mode"]
    assert mode["enum"] == ["first_come", "preferences"]


def test_a_session_or_block_id_that_is_not_a_whole_number_is_refused_not_rounded(app, world):
    """Red team, 2 December: `"session_id": 1.5` booked session 1. An id is a JSON integer
    (as JSON Schema counts them, 2.0 is one); 1.5, "1" and true are refused (422, as any
    value not valid) with the field named, and nothing is stored."""
    client = app.test_client()
    url = f"/api/v1/events/{world.event_id}/registrations"
    with app.app_context():
        before = db.session.scalar(select(db.func.count(Registration.id)))
    for n, (field, value) in enumerate([("session_id", world.session_id + 0.5),
                                        ("session_id", world.session_id + 1e-9),
                                        ("session_id", str(world.session_id)),
                                        ("block_id", True)]):
        choice = {"block_id": world.block_id, "session_id": world.session_id, field: value}
        answer = client.post(url, json={"name": "Kaj Beckman", "email": f"kaj{n}@example.org",
                                        "choices": [choice]},
                             headers={**bearer(world.tokens["organiser"]),
                                      "Accept-Language": "en"})
        assert answer.status_code == 422, (field, value, answer.json)
        assert answer.mimetype == "application/problem+json"
        assert "Not a valid integer." in str(answer.json), answer.json
        assert field in str(answer.json)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Registration.id))) == before
    whole = client.post(url, json={"name": "Kaj Beckman", "email": "kaj.hel@example.org",
                                   "choices": [{"block_id": float(world.block_id),
                                                "session_id": float(world.session_id)}]},
                        headers=bearer(world.tokens["organiser"]))
    assert whole.status_code == 201, whole.json
    assert whole.json["choices"][0]["session_id"] == world.session_id
