"""The short-lived page cache: shared HTML, but every visitor's own CSRF token."""
from flask import session
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import URLSafeTimedSerializer

from eventapp.web import pagecache
from tests.factories import make_event, make_user, sign_up
from tests.helpers import CSRF, login, text_of


def test_cached_sign_up_forms_give_each_visitor_their_own_working_token(make_app, inbox):
    app = make_app(PAGE_CACHE_SECONDS=60)
    pagecache.clear()
    with app.app_context():
        event = make_event(capacities=(5,))
        slug, block, session = event.slug, event.blocks[0].id, event.blocks[0].sessions[0].id
    tokens = []
    for n in (1, 2):
        client = app.test_client()
        page = client.get(f"/events/{slug}/signup").get_data(as_text=True)
        token = CSRF.search(page).group(1)
        tokens.append(token)
        response = client.post(f"/events/{slug}/signup", data={
            "csrf_token": token, "name": f"Person {n}", "email": f"p{n}@example.org",
            "organisation": "Umeå kommun", "consent": "y", f"block_{block}": str(session)})
        assert response.status_code == 302, text_of(response)
    assert tokens[0] != tokens[1]
    pagecache.clear()


def test_the_cache_makes_the_tokens_flask_wtf_makes_and_checks(make_app):
    app = make_app()
    flask_wtf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    with app.test_request_context("/"):
        token = pagecache.csrf_token()
        value = session["csrf_token"]
        assert len(value) == 40 and flask_wtf.loads(token) == value
        # The same payload as Flask-WTF's own token (only the second it was signed may differ).
        assert token.split(".")[0] == flask_wtf.dumps(value).split(".")[0]
        validate_csrf(token)
        # The form rendered after it, in the same request, carries the same token.
        assert generate_csrf() == token == pagecache.csrf_token()
    with app.test_request_context("/"):
        session["csrf_token"] = value  # the same visitor, a later page: the same session value
        assert flask_wtf.loads(pagecache.csrf_token()) == value


def test_the_event_page_is_reused_for_anonymous_visitors_but_never_for_staff(make_app, inbox):
    app = make_app(PAGE_CACHE_SECONDS=60)
    pagecache.clear()
    with app.app_context():
        make_user()
        event = make_event(capacities=(5,))
        slug, event_id = event.slug, event.id
    assert "5 platser kvar" in text_of(app.test_client().get(f"/events/{slug}"))
    with app.app_context():
        from eventapp.extensions import db
        from eventapp.models import Event

        sign_up(db.session.get(Event, event_id), 1)
    # Within the cache's few seconds an anonymous visitor may see the count from before...
    assert "5 platser kvar" in text_of(app.test_client().get(f"/events/{slug}"))
    # ...but staff always see it as it is, and so does everyone once the copy is gone.
    staff = app.test_client()
    login(staff, "organisator@example.org")
    assert "4 platser kvar" in text_of(staff.get(f"/events/{slug}"))
    pagecache.clear()
    assert "4 platser kvar" in text_of(app.test_client().get(f"/events/{slug}"))
    pagecache.clear()


def test_what_one_visitor_put_in_the_query_string_never_reaches_anothers_page(make_app):
    """The page holds its query (the language links' way back), so a page asked with one is
    neither cached nor served from the cache (red team, 2 December)."""
    app = make_app(PAGE_CACHE_SECONDS=60)
    pagecache.clear()
    with app.app_context():
        slug = make_event().slug
    for path in (f"/events/{slug}", f"/events/{slug}/signup"):
        asked = app.test_client().get(f"{path}?utm=%22INJECTED").get_data(as_text=True)
        assert "INJECTED" in asked  # in the language links of that visitor's own page
        assert "INJECTED" not in app.test_client().get(path).get_data(as_text=True)
    pagecache.clear()


def test_a_form_signs_its_token_only_when_the_page_shows_it(make_app):
    """A sign-up POST that redirects signs no new token; a page that shows the form again
    carries the visitor's own, working token."""
    from flask import g

    from eventapp.web.forms import DetailsForm

    app = make_app()
    with app.test_request_context("/"):
        token = generate_csrf()
        value = session["csrf_token"]
    with app.test_request_context("/", method="POST", data={"csrf_token": token}):
        session["csrf_token"] = value
        form = DetailsForm()
        form.validate()
        assert not form.csrf_token.errors
        assert "csrf_token" not in g
        shown = CSRF.search(str(form.csrf_token)).group(1)
        validate_csrf(shown)
        assert shown == g.csrf_token == generate_csrf()


def test_a_visitor_without_a_session_gets_the_form_back_with_a_token_that_works(app, inbox):
    with app.app_context():
        event = make_event(capacities=(5,))
        path, block = f"/events/{event.slug}/signup", event.blocks[0]
        fields = {"name": "Person", "email": "person@example.org", "organisation": "Umeå kommun",
                  "consent": "y", f"block_{block.id}": str(block.sessions[0].id)}
    client = app.test_client()
    refused = client.post(path, data={**fields, "csrf_token": "forged"})
    assert refused.status_code == 400
    token = CSRF.search(refused.get_data(as_text=True)).group(1)
    assert client.post(path, data={**fields, "csrf_token": token}).status_code == 302


def test_the_forms_token_check_refuses_what_flask_wtf_refuses_with_its_reasons(make_app):
    """pagecache.check_csrf_token, which the forms use, against Flask-WTF's validate_csrf:
    the same token taken, the same ones refused for the same reason."""
    from wtforms.validators import ValidationError

    app = make_app()
    with app.test_request_context("/"):
        good = generate_csrf()
        value = session["csrf_token"]
    old = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    with freeze_signing_time(-5 * 3600):
        expired = old.dumps(value)
    other_key = URLSafeTimedSerializer("another key", salt="wtf-csrf-token").dumps(value)
    other_session = old.dumps("0" * 40)

    def reason(check, token, session_value):
        with app.test_request_context("/", method="POST"):
            if session_value is not None:
                session["csrf_token"] = session_value
            try:
                check(token)
            except ValidationError as exc:
                return exc.args[0]
            return "taken"

    def ours(token):
        pagecache.check_csrf_token(token, app.secret_key, app.config["WTF_CSRF_TIME_LIMIT"])

    cases = [(good, value), (good, None), ("", value), (None, value), (expired, value),
             (other_key, value), (other_session, value), (good[:-1] + "x", value),
             ("not.a.token", value)]
    seen = [(reason(ours, *case), reason(validate_csrf, *case)) for case in cases]
    assert all(a == b for a, b in seen), seen
    assert {a for a, _ in seen} == {
        "taken", "The CSRF session token is missing.", "The CSRF token is missing.",
        "The CSRF token has expired.", "The CSRF token is invalid.",
        "The CSRF tokens do not match."}


class freeze_signing_time:
    """itsdangerous signs with this many seconds added to the clock."""

    def __init__(self, offset):
        self.offset = offset

    def __enter__(self):
        import itsdangerous.timed

        self.real = itsdangerous.timed.TimestampSigner.get_timestamp
        itsdangerous.timed.TimestampSigner.get_timestamp = (
            lambda signer: int(self.real(signer) + self.offset))

    def __exit__(self, *exc):
        import itsdangerous.timed

        itsdangerous.timed.TimestampSigner.get_timestamp = self.real
