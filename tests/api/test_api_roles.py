"""The role matrix: every operation of the API against every kind of caller. No token, or
one that is not a live staff token → 401 with WWW-Authenticate; a token without the right →
403; anything outside the token's events or sessions → 404, so existence is not revealed."""
import itertools

from tests.api.conftest import bearer

CALLERS = ("anonymous", "participant", "lead", "other_lead", "other_event", "read_only",
           "expired", "revoked", "organiser")
NOT_AUTHENTICATED = {"anonymous": 401, "participant": 401, "expired": 401, "revoked": 401}


def _operations(w):
    e, r, s = w.event_id, w.registration_id, w.session_id
    new = {"name": "Ny Person", "email": "ny.person@example.org",
           "choices": [{"block_id": w.block_id, "session_id": w.other_session_id}]}
    organiser_read = {**NOT_AUTHENTICATED, "lead": 403, "other_lead": 403, "other_event": 404,
                      "organiser": 200, "read_only": 200}
    organiser_write = {**organiser_read, "read_only": 403}
    return [
        ("GET", "/api/v1/events", None, {c: 200 for c in CALLERS}),
        ("GET", f"/api/v1/events/{e}", None, {c: 200 for c in CALLERS}),
        ("GET", f"/api/v1/events/{e}/registrations", None, organiser_read),
        ("GET", f"/api/v1/events/{e}/registrations/{r}", None, organiser_read),
        ("GET", f"/api/v1/events/{e}/session-counts", None, organiser_read),
        ("GET", f"/api/v1/events/{e}/reminder-log", None, organiser_read),
        ("GET", f"/api/v1/events/{e}/changes", None, organiser_read),
        ("POST", f"/api/v1/events/{e}/registrations", new, {**organiser_write, "organiser": 201}),
        ("POST", f"/api/v1/events/{e}/registrations/{r}/cancel", {"notify": False},
         organiser_write),
        ("GET", "/api/v1/my/sessions", None, {**NOT_AUTHENTICATED, "lead": 200, "other_lead": 200,
                                              "other_event": 403, "organiser": 403,
                                              "read_only": 403}),
        ("GET", f"/api/v1/sessions/{s}/attendees", None, {
            **NOT_AUTHENTICATED, "lead": 200, "other_lead": 404, "other_event": 404,
            "organiser": 200, "read_only": 200}),
    ]


def test_every_operation_is_in_the_matrix(app):
    documented = app.test_client().get("/api/v1/openapi.json").json["paths"]
    operations = {(method, path) for path, item in documented.items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    assert len(operations) == 11


def test_every_operation_answers_each_caller_as_the_matrix_says(app, world):
    client = app.test_client()
    answered = {}
    for caller, (method, url, body, expected) in itertools.product(CALLERS, _operations(world)):
        response = client.open(url, method=method, json=body,
                               headers=bearer(world.tokens.get(caller)))
        answered[(caller, method, url)] = response.status_code
        assert response.status_code == expected[caller], (caller, method, url, response.json)
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
            assert response.json["type"].startswith("urn:eventapp:problem:")
    assert len(answered) == len(CALLERS) * 11


def test_a_registration_of_another_event_is_not_found_even_by_its_own_organiser(app, world):
    client = app.test_client()
    url = f"/api/v1/events/{world.event_id}/registrations/{world.other_registration_id}"
    assert client.get(url, headers=bearer(world.tokens["organiser"])).status_code == 404
