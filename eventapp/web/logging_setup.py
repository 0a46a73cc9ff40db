"""Logs as one line per event: a line per request, and a request id on every line of it.

LOG_FORMAT=text (default) gives `ts level logger request_id=... message key=value ...`,
LOG_FORMAT=json one JSON object per line. Paths are logged without their query string, and
secrets that live in a path (a manage link's token) are replaced by `<redacted>`: in our
request line, and in the one werkzeug's development server (`make run`) prints.
"""
import json
import logging
import re
import secrets
import sys
import time
from datetime import datetime, timezone

from flask import g, has_request_context, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

request_log = logging.getLogger("eventapp.request")

# A request id from a proxy is kept only if it is short and harmless in a log line.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
REDACTED = "<redacted>"
# Paths whose segment after the prefix is a credential, also when no route matched.
SECRET_SEGMENTS = re.compile(r"^(/manage/)[^/]+")
# The request line inside werkzeug's access log line ("GET /path?query HTTP/1.1").
REQUEST_LINE = re.compile(r"(?P<method>[A-Z]+) (?P<target>/\S*) (?P<version>HTTP/\d(?:\.\d)?)")


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being handled ("-" outside one)."""

    def filter(self, record):
        request_id = "-"
        if has_request_context():
            request_id = g.get("request_id", "-")
        record.request_id = request_id
        return True


_second = [None, ""]  # the last whole second formatted, and its text: one per second, not per line


def _timestamp(record):
    """`2026-12-02T01:50:07.123Z`: UTC, to the millisecond."""
    whole = int(record.created)
    if _second[0] != whole:
        moment = datetime.fromtimestamp(whole, timezone.utc)
        _second[:] = [whole, moment.strftime("%Y-%m-%dT%H:%M:%S")]
    return f"{_second[1]}.{int((record.created - whole) * 1000):03d}Z"


def _plain(value):
    text = str(value)
    if text and not re.search(r'[\s"=]', text):
        return text
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    def format(self, record):
        line = (
            f"{_timestamp(record)} {record.levelname} {record.name} "
            f"request_id={getattr(record, 'request_id', '-')} {record.getMessage()}"
        )
        fields = getattr(record, "fields", None) or {}
        line += "".join(f" {key}={_plain(value)}" for key, value in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


# Made once: json.dumps with options builds a new encoder on every call.
_to_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _to_json(entry)


FORMATTERS = {"text": KeyValueFormatter, "json": JsonFormatter}


def configure_logging(app):
    """Our handler on the root logger (once per process) and the per-request hooks on `app`."""
    fmt = app.config.get("LOG_FORMAT", "text")
    if fmt not in FORMATTERS:
        raise RuntimeError(f"LOG_FORMAT must be one of {', '.join(FORMATTERS)}, not {fmt!r}")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "eventapp", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.eventapp = True
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(FORMATTERS[fmt]())
    # logging.basicConfig()'s plain handler would print every line a second time.
    for other in list(root.handlers):
        if (type(other) is logging.StreamHandler and other.formatter is not None
                and other.formatter._fmt == logging.BASIC_FORMAT):
            root.removeHandler(other)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))

    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_log_unfinished_request)
    _redact_development_server_log(app)


class DevelopmentServerRedaction(logging.Filter):
    """Werkzeug's development server logs each request line with its full path and query:
    the same redaction as our request line (found through the app's URL map)."""

    def __init__(self, url_map):
        super().__init__()
        self.url_map = url_map

    def filter(self, record):
        message = record.getMessage()
        redacted = REQUEST_LINE.sub(
            lambda m: f"{m['method']} {self.redact(m['method'], m['target'])} {m['version']}",
            message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True

    def redact(self, method, target):
        path = target.split("?", 1)[0]
        try:
            _endpoint, view_args = self.url_map.bind("localhost").match(path, method=method)
        except (HTTPException, RequestRedirect):
            view_args = {}
        return redact_path(path, view_args)


def _redact_development_server_log(app):
    werkzeug_log = logging.getLogger("werkzeug")
    for old in [f for f in werkzeug_log.filters if isinstance(f, DevelopmentServerRedaction)]:
        werkzeug_log.removeFilter(old)
    werkzeug_log.addFilter(DevelopmentServerRedaction(app.url_map))


def _start_request():
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _finish_request(response):
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    _log_request(response.status_code)
    return response


def _log_unfinished_request(exc):
    # An exception that escaped every handler never reaches after_request; log it as a 500.
    if exc is not None and not g.get("request_logged"):
        _log_request(500)


def _log_request(status):
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    g.request_logged = True
    if not request_log.isEnabledFor(logging.INFO):
        return
    # The record made directly: Logger.info() would first walk the stack for the caller's
    # file and line, which no format of ours shows (a tenth of the line's cost).
    request_log.handle(request_log.makeRecord(
        request_log.name, logging.INFO, "(request)", 0, "request", (), None,
        extra={"fields": {
            "method": request.method,
            "path": redact_path(request.path, request.view_args),
            "status": status,
            "duration_ms": duration_ms,
        }},
    ))


def redact_path(path, view_args=None):
    """The path with every token-like URL argument replaced by <redacted>."""
    secrets_in_path = {
        str(value) for name, value in (view_args or {}).items() if "token" in name.lower()
    }
    if secrets_in_path:
        path = "/".join(REDACTED if part in secrets_in_path else part for part in path.split("/"))
    return SECRET_SEGMENTS.sub(r"\1" + REDACTED, path)
