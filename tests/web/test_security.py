"""Headers, cookies and rate limits a security review looks for."""
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import OutboxMessage
from tests.factories import make_event, sign_up
from tests.helpers import csrf_token, signup_data, text_of


def test_every_page_sends_strict_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http: no HSTS


def test_no_cookie_is_made_or_varied_on_for_an_answer_that_keeps_nothing(app):
    """web/session_cookie.py skips a session nobody sent, changed or looked at; one that
    is looked at or changed still works as Flask's."""
    client = app.test_client(use_cookies=False)
    response = client.get("/healthz")
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.vary
    response = client.get("/login")
    assert "Cookie" in response.vary  # the language is looked up in the session
    assert "session=" in response.headers["Set-Cookie"]  # and the form's CSRF token kept
    browser = app.test_client()
    assert "Logga in" in browser.get("/login").get_data(as_text=True)
    assert browser.get("/lang/en").status_code == 302
    assert "<html lang=\"en\">" in browser.get("/login").get_data(as_text=True)


def test_https_deployments_get_hsts_and_secure_cookies(make_app, inbox):
    app = make_app(BASE_URL="https://anmalan.example.se", SESSION_COOKIE_SECURE=True, TRUSTED_PROXIES=1)
    client = app.test_client()
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers_come_once_on_every_answer_and_a_views_own_header_wins(app):
    """security.ResponseHeaders appends them to what the server sends: error pages and static
    files get them too, never twice, and a view that sets one itself keeps its value."""
    from eventapp.web.access import access

    @app.get("/__test/own-frame-options")
    @access("public")
    def own():
        return "own", 200, {"X-Frame-Options": "SAMEORIGIN", "X-Request-ID": "view-1"}

    client = app.test_client()
    for path in ("/", "/no/such/page", "/static/app.css"):
        response = client.get(path)
        for name in ("Content-Security-Policy", "X-Frame-Options", "X-Request-ID"):
            assert len(response.headers.getlist(name)) == 1, (path, name)
    response = client.get("/__test/own-frame-options")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("X-Request-ID") == ["view-1"]
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_hsts_only_for_an_https_site_asked_over_https(make_app):
    https_app = make_app(BASE_URL="https://anmalan.example.se", TRUSTED_PROXIES=1)
    http_app = make_app(BASE_URL="http://127.0.0.1:5000", TRUSTED_PROXIES=1)
    asked_over_https = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" in https_app.test_client().get(
        "/healthz", headers=asked_over_https).headers
    assert "Strict-Transport-Security" not in https_app.test_client().get("/healthz").headers
    assert "Strict-Transport-Security" not in http_app.test_client().get(
        "/healthz", headers=asked_over_https).headers


def test_sign_ups_are_rate_limited_per_email_address(make_app, inbox):
    """Counted are the sign-ups made: refusals ("already registered") cost nothing, so a
    stranger cannot use up someone's sign-ups (notes/redteam-2.md, b)."""
    app = make_app(RATELIMIT_SIGNUP_PER_EMAIL="2 per minute")
    client = app.test_client()
    with app.app_context():
        events = [make_event() for _ in range(3)]
        same = [signup_data(client, e, email="samma@example.org") for e in events]
        other = signup_data(client, events[0], email="annan@example.org")
        urls = [f"/events/{e.slug}/signup" for e in events]
    codes = [client.post(urls[0], data=same[0]).status_code for _ in range(5)]
    assert codes == [302, 409, 409, 409, 409]
    assert client.post(urls[1], data=same[1]).status_code == 302
    response = client.post(urls[2], data={**same[2], "email": "SAMMA@example.org "})
    assert response.status_code == 429 and "För många försök" in text_of(response)
    assert client.post(urls[0], data=other).status_code == 302


def test_manage_link_requests_are_limited_per_address_without_refusing_anyone(make_app, inbox):
    """Over the limit the answer is the same and nothing is sent: the owner is never shut
    out, and their inbox holds the links the allowed requests sent."""
    app = make_app(RATELIMIT_PER_EMAIL="2 per minute")
    client = app.test_client()
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        url = f"/events/{event.slug}/link"
    codes = [client.post(url, data={"csrf_token": csrf_token(client, url),
                                    "email": "deltagare1@example.org"}).status_code for _ in range(3)]
    assert codes == [302, 302, 302]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(
            OutboxMessage.kind == "manage_link")) == 2


def _closed_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens here once the socket is closed


def test_rate_limit_storage_down_answers_try_again_and_stores_nothing(make_app, inbox):
    """With the limits' Redis not answering, a limited POST is a 503 with Retry-After and the
    "try again" page, never a 500; and nothing goes through uncounted (found by the red team
    of 2 December: a 500)."""
    app = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_closed_port()}/0")
    client = app.test_client()
    with app.app_context():
        event = make_event()
        data = signup_data(client, event, email="nere@example.org")
    response = client.post(f"/events/{event.slug}/signup", data=data)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Försök igen om några sekunder" in text_of(response)
    login = client.post("/login", data={"csrf_token": csrf_token(client, "/login"),
                                        "email": "nere@example.org", "password": "x" * 12})
    assert login.status_code == 503
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_an_anonymous_page_view_leaves_the_session_cookie_alone(app):
    """Only a signed-in session is protected (and so rewritten): a 404 answered beside a
    language switch must not put back the cookie from before it (the browser's favicon)."""
    client = app.test_client()
    assert client.get("/login").headers.get("Set-Cookie")  # the form's CSRF token
    for path in ("/favicon.ico", "/login", "/"):
        assert client.get(path).headers.get("Set-Cookie") is None, path
    assert client.get("/lang/en").headers.get("Set-Cookie")
    assert client.get("/favicon.ico").headers.get("Set-Cookie") is None
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
