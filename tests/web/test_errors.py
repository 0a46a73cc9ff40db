"""One error model: every domain error has a message, a status and a problem type; what a
route did not expect is a logged 500, never a silent 404; a safe place to go back to."""
import pytest
from flask_babel import force_locale

from eventapp.domain import errors
from eventapp.web.access import access
from eventapp.web.errors import (API_ONLY_STATUSES, HTTP_ERROR_PAGES, REGISTRY, message_for,
                                 problem_for, status_for)
from eventapp.web.redirects import safe_next
from tests.factories import make_event, make_user
from tests.helpers import log_output, login, post_form, text_of


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def every_domain_error():
    return [errors.DomainError, *all_subclasses(errors.DomainError)]


def test_every_domain_error_has_a_message_a_status_and_a_problem_type(app):
    classes = every_domain_error()
    assert {errors.NotFound, errors.Busy, errors.EmailTaken, errors.NotInSession} <= set(classes)
    assert len({cls.code for cls in classes}) == len(classes), "each error has its own code"
    missing = [cls.__name__ for cls in classes if cls.code not in REGISTRY]
    assert missing == []
    assert len({problem.type for problem in REGISTRY.values()}) == len(REGISTRY)
    with app.test_request_context():
        for cls in classes:
            problem = problem_for(cls.code)
            assert problem.status in HTTP_ERROR_PAGES + API_ONLY_STATUSES, cls.__name__
            assert problem.type == cls.code.replace("_", "-")
            with force_locale("en"):
                english = message_for(cls.code)
            with force_locale("sv"):
                swedish = message_for(cls.code)
            assert english and swedish and swedish != english, cls.__name__


def test_a_message_with_a_count_says_the_count(app):
    with app.test_request_context(), force_locale("sv"):
        assert "lägre än 7," in message_for(errors.CapacityBelowConfirmed(7))
        assert "{datum}" in message_for(errors.UnknownPlaceholder(["datum"]))


@pytest.fixture
def raising_app(app):
    """The app with test-only pages that raise what a route may meet."""

    @app.get("/__test/bug")
    @access("public")
    def bug():
        return {}["no such key"]

    @app.get("/__test/busy")
    @access("public")
    def busy():
        raise errors.Busy()

    return app


def test_a_bug_in_a_route_is_a_500_with_its_traceback_in_the_log(raising_app):
    with log_output() as output:
        response = raising_app.test_client().get("/__test/bug", headers={"X-Request-ID": "bug-1"})
    assert response.status_code == 500
    assert "Något gick fel hos oss" in text_of(response)
    log = output.getvalue()
    assert "ERROR eventapp.errors request_id=bug-1 unexpected error" in log
    assert "Traceback" in log and "KeyError: 'no such key'" in log
    assert "path=/__test/bug" in log


def test_a_busy_database_no_route_caught_is_a_503_with_retry_after(raising_app):
    response = raising_app.test_client().get("/__test/busy")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "inget har sparats" in text_of(response)


def test_something_a_service_cannot_find_is_a_404(app):
    client = app.test_client()
    with app.app_context():
        make_user()
        event, other = make_event(), make_event()
        url = f"/organiser/events/{event.id}/sessions/{other.blocks[0].sessions[0].id}/delete"
        page = f"/organiser/events/{event.id}/programme"
    login(client, "organisator@example.org")
    response = post_form(client, url, {}, page=page)
    assert response.status_code == 404
    assert "Vi hittar inte sidan" in text_of(response)


@pytest.mark.parametrize("target", ["/events/a?x=1", "/organiser/"])
def test_a_local_path_is_a_safe_place_to_go_next(target):
    assert safe_next(target, "/") == target


@pytest.mark.parametrize("target", [
    None, "", "events", "//evil.example", "/\\evil.example", "https://evil.example/",
    "/a\r\nSet-Cookie: x=1", "/a\x00b",
])
def test_anything_but_a_local_path_goes_to_the_default(target):
    assert safe_next(target, "/start") == "/start"


def test_status_follows_the_registry(app):
    assert status_for(errors.NotFound()) == 404
    assert status_for(errors.Busy()) == 503
    assert status_for(errors.AlreadyRegistered()) == 409
