"""Logs as one line per event: a line per request, and a request id on every line of it.

LOG_FORMAT=text (default) gives `ts level logger request_id=... message key=value ...`,
LOG_FORMAT=json one JSON object per line. Paths are logged without their query string, and
secrets that live in a path (a manage link's token) are replaced by `<redacted>`: in our
request line, and in the one werkzeug's development server (`make run`) prints.
"""
import json
import logging
import re
import sys
import time
from datetime import datetime, timezone

from flask import has_request_context, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

request_log = logging.getLogger("eventapp.request")

# A request id from a proxy is kept only if it is short and harmless in a log line.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# The WSGI environ keys under which security.ResponseHeaders, the middleware that makes each
# request's id and sends it back, leaves the id and the request's start time.
REQUEST_ID = "eventapp.request_id"
STARTED = "eventapp.started"
LOGGED = "eventapp.request_logged"  # set once the request's line is written
REDACTED = "<redacted>"
# Paths whose segment after the prefix is a credential, also when no route matched.
# Every route with a credential in its path lives under one of these (a test holds the URL
# map to it): the segment after the prefix is redacted whether or not a route matched (a
# 404, 405 or redirect of a live link is logged too), doubled slashes included.
SECRET_PREFIXES = ("/manage/", "/password/set/", "/email/", "/login/token/")
SECRET_SEGMENTS = re.compile(r"^(/manage|/password/set|/email|/login/token)/+[^/]+")
# The request line inside werkzeug's access log line ("GET /path?query HTTP/1.1").
REQUEST_LINE = re.compile(r"(?P<method>[A-Z]+) (?P<target>/\S*) (?P<version>HTTP/\d(?:\.\d)?)")


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being handled ("-" outside one)."""

    def filter(self, record):
        request_id = "-"
        if has_request_context():
            request_id = request.environ.get(REQUEST_ID, "-")
        record.request_id = request_id
        return True


_second = [None, ""]  # the last whole second formatted, and its text: one per second, not per line


def _timestamp(created):
    """`2026-12-02T01:50:07.123Z`: UTC, to the millisecond (`created` as time.time() gives)."""
    whole = int(created)
    if _second[0] != whole:
        moment = datetime.fromtimestamp(whole, timezone.utc)
        _second[:] = [whole, moment.strftime("%Y-%m-%dT%H:%M:%S")]
    return f"{_second[1]}.{int((created - whole) * 1000):03d}Z"


def _plain(value):
    text = str(value)
    # Control characters (a terminal's escape codes) are written escaped, as JSON writes them.
    if text and not re.search(r'[\s"=\x00-\x1f\x7f]', text):
        return text
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    def format(self, record):
        line = self.line(record.created, record.levelname, record.name,
                         getattr(record, "request_id", "-"), record.getMessage(),
                         getattr(record, "fields", None))
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line

    @classmethod
    def request_line(cls, created, request_id, method, path, status, duration_ms):
        return cls.line(created, "INFO", "eventapp.request", request_id, "request", {
            "method": method, "path": path, "status": status, "duration_ms": duration_ms})

    @staticmethod
    def line(created, level, name, request_id, message, fields):
        line = f"{_timestamp(created)} {level} {name} request_id={request_id} {message}"
        if fields:
            line += "".join(f" {key}={_plain(value)}" for key, value in fields.items())
        return line


# Made once: json.dumps with options builds a new encoder on every call.
_to_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


class JsonFormatter(logging.Formatter):
    def format(self, record):
        exc = self.formatException(record.exc_info) if record.exc_info else None
        return self.line(record.created, record.levelname, record.name,
                         getattr(record, "request_id", "-"), record.getMessage(),
                         getattr(record, "fields", None), exc)

    @staticmethod
    def line(created, level, name, request_id, message, fields, exc=None):
        entry = {"ts": _timestamp(created), "level": level, "logger": name,
                 "request_id": request_id, "message": message}
        if fields:
            entry.update(fields)
        if exc:
            entry["exc"] = exc
        return _to_json(entry)

    @staticmethod
    def request_line(created, request_id, method, path, status, duration_ms):
        """line() for a request line, its fields known: the same text, put together directly
        (a dict and the encoder were half of the line's cost)."""
        return (f'{{"ts": "{_timestamp(created)}", "level": "INFO", "logger": "eventapp.request", '
                f'"request_id": {_json_text(request_id)}, "message": "request", '
                f'"method": {_json_text(method)}, "path": {_json_text(path)}, '
                f'"status": {status:d}, '
                f'"duration_ms": {"null" if duration_ms is None else repr(duration_ms)}}}')


_json_text = json.encoder.encode_basestring  # a str as JSON, non-ASCII kept (ensure_ascii=False)


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


def _finish_request(response):
    _log_request(response.status_code)
    return response


def _log_unfinished_request(exc):
    # An exception that escaped every handler never reaches after_request; log it as a 500.
    if exc is not None and not request.environ.get(LOGGED):
        _log_request(500)


def _log_request(status):
    req = request._get_current_object()  # once: each look through the proxy costs ~1 µs
    environ = req.environ
    started = environ.get(STARTED)
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    environ[LOGGED] = True
    if not request_log.isEnabledFor(logging.INFO):
        return
    method, path = req.method, redact_path(req.path, req.view_args)
    handler = _sole_handler()
    if handler is not None:
        # The line written straight to our handler's stream, as its emit() would: a
        # LogRecord, the walk to the root logger and the filters cost half of the line's time.
        line = handler.formatter.request_line(time.time(), environ.get(REQUEST_ID, "-"),
                                              method, path, status, duration_ms)
        handler.acquire()
        try:
            handler.stream.write(line + handler.terminator)
            handler.flush()
            return
        except Exception:  # noqa: BLE001 - logging's own path below reports it its way
            pass
        finally:
            handler.release()
    fields = {"method": method, "path": path, "status": status, "duration_ms": duration_ms}
    # The record made directly: Logger.info() would first walk the stack for the caller's
    # file and line, which no format of ours shows.
    request_log.handle(request_log.makeRecord(
        request_log.name, logging.INFO, "(request)", 0, "request", (), None,
        extra={"fields": fields},
    ))


def _sole_handler():
    """Our handler when it is the only one a request line reaches and nothing on the way
    filters it (no pytest caplog, no handler or filter an operator added); else None."""
    logger, found = request_log, None
    while logger is not None:
        if logger.filters or logger.disabled:
            return None
        for handler in logger.handlers:
            if found is not None or not getattr(handler, "eventapp", False):
                return None
            found = handler
        logger = logger.parent if logger.propagate else None
    if (found is None or found.level > logging.INFO or len(found.filters) != 1
            or not isinstance(found.formatter, tuple(FORMATTERS.values()))):
        return None
    return found


def redact_path(path, view_args=None):
    """The path with every token-like URL argument replaced by <redacted>."""
    if view_args:
        secrets_in_path = {
            str(value) for name, value in view_args.items() if "token" in name.lower()
        }
        if secrets_in_path:
            path = "/".join(REDACTED if part in secrets_in_path else part
                            for part in path.split("/"))
    if path.startswith(SECRET_PREFIXES):
        path = SECRET_SEGMENTS.sub(r"\1/" + REDACTED, path)
    return path
