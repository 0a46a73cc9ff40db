"""Logs: one line per request with its id; the id on every line of the request; no secrets."""
import json
import logging
import re
import sys
import threading
import urllib.error
import urllib.request

import pytest
from werkzeug.serving import make_server

from eventapp.web import logging_setup
from eventapp.web.access import access
from tests.conftest import free_port
from tests.helpers import log_output


@pytest.fixture
def noisy_app(app):
    """The app with a page that logs while it answers."""

    @app.get("/__test/noisy")
    @access("public")
    def noisy():
        logging.getLogger("eventapp.somewhere").warning("working on it")
        return "done"

    return app


def test_each_request_is_logged_once_with_method_path_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO, logger="eventapp.request")
    response = client.get("/healthz?token=secret", headers={"X-Request-ID": "lb-42.a"})
    assert response.headers["X-Request-ID"] == "lb-42.a"
    lines = [r for r in caplog.records if r.name == "eventapp.request"]
    assert len(lines) == 1
    fields = lines[0].fields
    assert (fields["method"], fields["path"], fields["status"]) == ("GET", "/healthz", 200)
    assert fields["duration_ms"] >= 0


def test_an_unsafe_request_id_is_replaced_by_a_fresh_one(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script> x" + "y" * 80})
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 16 and all(c in "0123456789abcdef" for c in request_id)
    assert client.get("/healthz").headers["X-Request-ID"] != request_id


def test_every_line_logged_during_a_request_carries_its_id(noisy_app, caplog):
    caplog.set_level(logging.INFO)
    with log_output() as output:
        noisy_app.test_client().get("/__test/noisy", headers={"X-Request-ID": "abc-123"})
    lines = output.getvalue().splitlines()
    assert any("working on it" in line and "request_id=abc-123" in line for line in lines)
    assert any("eventapp.request" in line and "request_id=abc-123" in line
               and "path=/__test/noisy" in line and "status=200" in line for line in lines)


def test_manage_tokens_never_reach_the_log(client, caplog):
    caplog.set_level(logging.INFO)
    with log_output() as output:
        client.get("/manage/SeCrEtToKeN.abc/details?next=/manage/SeCrEtToKeN.abc")
        client.get("/manage/SeCrEtToKeN.abc")
    text = output.getvalue()
    assert "SeCrEtToKeN" not in text
    assert text.count("path=/manage/<redacted>") == 2


def test_json_format_gives_one_object_per_line(make_app, caplog):
    caplog.set_level(logging.INFO)
    app = make_app(LOG_FORMAT="json")
    with log_output() as output:
        app.test_client().get("/healthz", headers={"X-Request-ID": "j-1"})
    entries = [json.loads(line) for line in output.getvalue().splitlines()]
    request_line = next(e for e in entries if e["logger"] == "eventapp.request")
    assert request_line["request_id"] == "j-1"
    assert (request_line["method"], request_line["path"], request_line["status"]) == (
        "GET", "/healthz", 200)


def test_the_development_server_logs_no_sign_in_or_manage_token(app, caplog):
    # `make run` serves through werkzeug's development server, which logs each request line.
    caplog.set_level(logging.INFO)
    server = make_server("127.0.0.1", free_port(), app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    paths = ("/manage/SeCrEtToKeN.abc", "/manage/SeCrEtToKeN.abc/data?x=1",
             "/password/set/SeCrEtToKeN-0123456789abcdef", "/login/token/SeCrEtToKeN-0123456789abc")
    try:
        with log_output() as output:
            for path in paths:
                with pytest.raises(urllib.error.HTTPError):
                    urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10)
    finally:
        server.shutdown()
    text = re.sub(r"\x1b\[[0-9;]*m", "", output.getvalue())  # werkzeug colours the line
    assert "SeCrEtToKeN" not in text
    for path in ("/manage/<redacted>", "/manage/<redacted>/data", "/password/set/<redacted>",
                 "/login/token/<redacted>"):
        assert f'"GET {path} HTTP/1.1" 404' in text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_request_line_written_straight_to_our_handler_reads_as_logging_writes_it(
        make_app, fmt):
    """With our handler the only one (no caplog here), the request line skips the logging
    module's record and is written by the formatter directly: the same line either way."""
    app = make_app(LOG_FORMAT=fmt)
    client = app.test_client()
    root = logging.getLogger()
    handler = next(h for h in root.handlers if getattr(h, "eventapp", False))
    pytests_handlers = [h for h in root.handlers if h is not handler]
    for other in pytests_handlers:  # as in production: ours alone
        root.removeHandler(other)
    try:
        assert logging_setup._sole_handler() is handler
        with log_output() as output:
            client.get("/manage/SeCrEtToKeN.abc?x=1", headers={"X-Request-ID": "direct-1"})
    finally:
        for other in pytests_handlers:
            root.addHandler(other)
    assert logging_setup._sole_handler() is None  # pytest's handlers back: logging's own path
    [line] = [line for line in output.getvalue().splitlines() if "eventapp.request" in line]
    record = logging.getLogger("eventapp.request").makeRecord(
        "eventapp.request", logging.INFO, "(request)", 0, "request", (), None,
        extra={"fields": {"method": "GET", "path": "/manage/<redacted>", "status": 404,
                          "duration_ms": 0.0}, "request_id": "direct-1"})
    expected = handler.formatter.format(record)
    if fmt == "json":
        got, want = json.loads(line), json.loads(expected)
        assert got.pop("duration_ms") >= 0 and want.pop("duration_ms") == 0.0
        assert got.pop("ts")[:16] == want.pop("ts")[:16] and got == want
    else:
        assert re.sub(r"duration_ms=\S+", "", line)[24:] == re.sub(
            r"duration_ms=\S+", "", expected)[24:]
    assert "SeCrEtToKeN" not in output.getvalue()


def test_a_live_link_is_redacted_also_when_no_route_matched_it(client, caplog):
    """A trailing slash (404), another method (405) or a doubled slash (a redirect) of a
    password, manage, email or sign-in link: the token never reaches the log (red team)."""
    caplog.set_level(logging.INFO)
    with log_output() as output:
        client.get("/password/set/SeCrEtToKeN-1/")
        client.put("/password/set/SeCrEtToKeN-2")
        client.delete("/email/SeCrEtToKeN-3")
        client.get("/manage//SeCrEtToKeN-4")
        client.post("/login/token/SeCrEtToKeN-5")
        client.get("/b\x1b[2J\x1b[31mRED")
    text = output.getvalue()
    assert "SeCrEtToKeN" not in text
    assert "path=/password/set/<redacted>/" in text and "path=/manage/<redacted>" in text
    assert "\x1b" not in text and "\\u001b[2J" in text  # escape codes written escaped


def test_every_route_with_a_token_in_its_path_is_under_a_redacted_prefix(app):
    for rule in app.url_map.iter_rules():
        if "token" in rule.arguments:  # a credential (not an id such as token_id)
            assert rule.rule.startswith(logging_setup.SECRET_PREFIXES), rule.rule


def test_flasks_own_line_for_an_unhandled_error_has_the_path_redacted(app, caplog):
    caplog.set_level(logging.ERROR)
    with app.test_request_context("/manage/SeCrEtToKeN.abc/data"):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            app.log_exception(sys.exc_info())
    assert "SeCrEtToKeN" not in caplog.text and "/manage/<redacted>/data" in caplog.text
