"""One registry for every domain error (what a person reads, the HTTP status, the problem
type a JSON API puts in application/problem+json), the app's error pages, and a log line
with the traceback for every exception a route did not expect."""
import logging
from dataclasses import dataclass
from typing import Callable

from flask import abort, flash, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from ..domain import errors
from ..domain.placeholders import PLACEHOLDERS
from ..extensions import db
from .logging_setup import redact_path

API_PREFIX = "/api/v1/"


def is_api_request():
    return request.path.startswith(API_PREFIX)

log = logging.getLogger("eventapp.errors")

HTTP_ERROR_PAGES = (400, 403, 404, 405, 409, 413, 429, 500, 503)
# Statuses only the JSON API answers with (a page asks a person to sign in instead).
API_ONLY_STATUSES = (401,)
# What a 503 (the database was busy) tells browsers and clients: try again after this long.
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class Problem:
    """How one error code is answered. `message` may hold %(name)s placeholders, filled from
    `params(error)`; `type` is the slug of the problem type (RFC 9457)."""

    message: object
    status: int
    type: str
    params: Callable | None = None


def _entry(error_class, message, status, params=None):
    return error_class.code, Problem(message, status, error_class.code.replace("_", "-"), params)


def _placeholder_names(error):
    return {"names": ", ".join("{%s}" % n for n in error.names),
            "known": ", ".join("{%s}" % p.name for p in PLACEHOLDERS)}


REGISTRY = dict([
    _entry(errors.DomainError, _l("That is not possible."), 409),
    _entry(errors.NotFound, _l("It does not exist, or no longer does."), 404),
    _entry(errors.Busy, _l("Very many people are using the service right now, and nothing was "
                           "saved. Try again in a few seconds."), 503),
    _entry(errors.ProgrammeChanged,
           _l("The programme was changed just as you sent this, and nothing was saved. Look "
              "at it again and try once more."), 503),
    _entry(errors.SignupClosed, _l("Sign-up for this event is closed."), 409),
    _entry(errors.SignupNotOpenYet, _l("Sign-up for this event has not opened yet."), 409),
    _entry(errors.ChangesClosed, _l("Changes can no longer be made to this registration."), 409),
    _entry(errors.AlreadyRegistered,
           _l("This email address is already registered for the event."), 409),
    _entry(errors.SessionFull,
           _l("This session is full and has no waiting list. Choose another one."), 409),
    _entry(errors.InvalidChoice, _l("Choose one of the sessions offered."), 400),
    _entry(errors.RegistrationCancelled, _l("This registration has been cancelled."), 409),
    _entry(errors.RegistrationAnonymised,
           _l("The personal details of this registration have been removed after the event. "
              "It can no longer be changed."), 409),
    _entry(errors.EventFull, _l("The event is full."), 409),
    _entry(errors.CapacityBelowConfirmed,
           _l("%(n)d people already have a seat: the capacity cannot be lower."), 409,
           lambda error: {"n": error.confirmed}),
    _entry(errors.NotADraft, _l("Only drafts can be deleted. Cancel the event instead."), 409),
    _entry(errors.InvalidTransition, _l("That change of status is not possible now."), 409),
    _entry(errors.PeopleSignedUp,
           _l("People have signed up (%(n)d), so the event cannot go back to draft. Close "
              "sign-up or cancel the event instead."), 409, lambda error: {"n": error.count}),
    _entry(errors.HasRegistrations,
           _l("People are registered here. Move or cancel them first."), 409),
    _entry(errors.UnknownLead, _l("No lead we know has that name. Enter their email address "
                                  "too, and they get an invitation."), 400),
    _entry(errors.AmbiguousLead, _l("More than one lead has that name. Enter the email address "
                                    "of the one you mean."), 400),
    _entry(errors.DoubleBooking, _l("A lead or a room is already booked at the same time."), 409),
    _entry(errors.NoSeatFree, _l("There is no free seat. Raise the capacity first."), 409),
    _entry(errors.NobodyWaiting, _l("Nobody is on the waiting list to take the seat."), 409),
    _entry(errors.PlaceChanged, _l("That place has already changed. Look again."), 409),
    _entry(errors.EmailTaken, _l("That email address already has an account."), 409),
    _entry(errors.PasswordTooWeak,
           _l("Choose a longer password that is not like your email address."), 400),
    _entry(errors.InvalidToken, _l("The link has already been used, has expired, or has been "
                                   "replaced by a newer one."), 404),
    _entry(errors.NotInSession, _l("That person is not on this session's list."), 409),
    _entry(errors.UnknownPlaceholder,
           _l("Unknown codes: %(names)s. You can use: %(known)s."), 400,
           _placeholder_names),
    _entry(errors.ReminderLocked, _l("The reminder has already gone out or been stopped, and "
                                     "can no longer be changed."), 409),
    _entry(errors.ReminderNotSent, _l("The reminder has not gone out yet."), 409),
    _entry(errors.RankingError, _l("Check your wishes: choose the dialogue sessions in order."),
           400),
    _entry(errors.RankingIncomplete,
           _l("Choose your choice number %(rank)d too."), 400, lambda error: {"rank": error.rank}),
    _entry(errors.RankingGap,
           _l("Choice number %(rank)d is empty. Fill in your choices in order, without gaps."),
           400, lambda error: {"rank": error.rank}),
    _entry(errors.RankingDuplicate,
           _l("Choice number %(rank)d is a dialogue session you have already chosen. Choose a "
              "different one."), 400, lambda error: {"rank": error.rank}),
    _entry(errors.RankingInvalid, _l("Choose one of the dialogue sessions offered."), 400),
    _entry(errors.RankingClosed,
           _l("The wishes for this pass can no longer be changed: the allocation has started."),
           409),
    _entry(errors.AllocationModeLocked,
           _l("%(n)d people already have a place in this pass, so the way of giving places "
              "cannot change."), 409, lambda error: {"n": error.count}),
    _entry(errors.AllocationChanged,
           _l("Wishes or capacities have changed since this preview. Run the allocation again "
              "and look at the new preview before you publish."), 409),
    _entry(errors.AllocationNotReady, _l("There is no preview ready to publish."), 409),
    _entry(errors.NotAuthenticated, _l("Send a valid API token in the Authorization header: "
                                       "Bearer followed by the token."), 401),
    _entry(errors.TokenLacksRight, _l("Your API token does not give the right to do this."),
           403),
])

# What the API answers for an HTTP error that is not a domain error: (problem type, title).
HTTP_PROBLEMS = {
    400: ("bad-request", _l("The request could not be understood.")),
    404: ("not-found", _l("It does not exist, or no longer does.")),
    405: ("method-not-allowed", _l("That method is not allowed here.")),
    413: ("too-large", _l("The request is too large.")),
    422: ("invalid-request", _l("Some values are missing or not valid.")),
    429: ("rate-limited", _l("Too many requests. Wait a moment and try again.")),
    503: ("busy", _l("Very many people are using the service right now, and nothing was "
                     "saved. Try again in a few seconds.")),
    500: ("server-error", _l("Something went wrong on our side.")),
}
PROBLEM_TYPE_PREFIX = "urn:eventapp:problem:"


def problem_for(error):
    """The registry's entry for a DomainError (or its code)."""
    code = error if isinstance(error, str) else error.code
    return REGISTRY.get(code) or REGISTRY[errors.DomainError.code]


def message_for(error):
    """What the person reads, in their language. Given only a code (templates), a message
    with placeholders is not filled in: pass the error itself for those."""
    problem = problem_for(error)
    text = str(problem.message)
    if problem.params is not None and not isinstance(error, str):
        text = text % problem.params(error)
    return text


def status_for(error):
    return problem_for(error).status


def flash_error(error):
    """Tell the person, on the page they are sent back to, why their action was refused.

    NotFound and Busy are no refusal: they are raised again, and the app's handler answers
    with their own page (404; 503 with Retry-After).
    """
    status = status_for(error)
    if status == 404 or status >= 500:
        raise error
    flash(message_for(error), "error")


def register_errorhandlers(app):
    app.before_request(_refuse_nul_bytes)
    for code in HTTP_ERROR_PAGES:
        app.register_error_handler(code, _http_error)
    app.register_error_handler(errors.DomainError, _domain_error)
    app.register_error_handler(Exception, _unexpected)
    if app.config.get("RATELIMIT_STORAGE_URI", "").startswith(("redis", "rediss")):
        # The rate-limit counters' server not answering: nothing was done, so "try again in a
        # moment" (503 with Retry-After), never a 500. Limits stay enforced: no request goes
        # through uncounted.
        from redis.exceptions import ConnectionError as RedisDown, TimeoutError as RedisSlow

        app.register_error_handler(RedisDown, _limits_unavailable)
        app.register_error_handler(RedisSlow, _limits_unavailable)
    app.after_request(_retry_after)
    app.add_template_global(message_for, "error_message")


def _refuse_nul_bytes():
    # No text column can hold NUL (PostgreSQL refuses it), and no real URL has one. The query
    # string is looked at as sent (a NUL can only arrive as %00 or raw), not parsed for it.
    req = request._get_current_object()  # once: each look through the proxy costs ~1 µs
    query = req.query_string
    if "\x00" in req.path or (query and (b"%00" in query or b"\x00" in query)):
        abort(400)


def _error_page(code, message=None):
    return render_template("errors/error.html", code=code, message=message), code


def problem_response(status, slug, title, **extra):
    """An RFC 9457 problem document, in the locale the request asked for."""
    body = {"type": PROBLEM_TYPE_PREFIX + slug, "title": str(title), "status": status, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="eventapp"' + (
            ', error="invalid_token"' if request.headers.get("Authorization") else "")
    return response


def _api_http_error(error):
    code = error.code if isinstance(error, HTTPException) else 500
    if code not in HTTP_PROBLEMS:
        code = 500 if code >= 500 else 400
    slug, title = HTTP_PROBLEMS[code]
    # webargs puts the fields it refused in `data`: say which, and why.
    extra = {"errors": error.data.get("messages", {})} if code == 422 and isinstance(
        getattr(error, "data", None), dict) else {}
    response = problem_response(code, slug, title, **extra)
    for name, value in error.get_headers() if isinstance(error, HTTPException) else []:
        if name == "Retry-After":
            response.headers[name] = value
    return response


def _http_error(error):
    if is_api_request():
        return _api_http_error(error)
    code = error.code if isinstance(error, HTTPException) else 500
    if code not in HTTP_ERROR_PAGES:
        code = 500 if code >= 500 else 400
    page, code = _error_page(code)
    # A 429 or 503 says when to try again (werkzeug's retry_after).
    retry_after = [(k, v) for k, v in error.get_headers() if k == "Retry-After"] if (
        isinstance(error, HTTPException)) else []
    return page, code, retry_after


def _domain_error(error):
    """A DomainError no route caught: its page, with the registry's message and status."""
    db.session.rollback()
    if is_api_request():
        problem = problem_for(error)
        return problem_response(problem.status, problem.type, message_for(error))
    return _error_page(status_for(error), message_for(error))


def _limits_unavailable(error):
    log.warning("rate-limit storage unavailable", extra={"fields": {
        "method": request.method, "path": redact_path(request.path, request.view_args),
        "error": type(error).__name__}})
    return _domain_error(errors.Busy())


def _unexpected(error):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unexpected error", extra={"fields": {
        "method": request.method, "path": redact_path(request.path, request.view_args),
        "error": type(error).__name__}})
    db.session.rollback()
    if is_api_request():
        return _api_http_error(error)
    return _error_page(500)


def _retry_after(response):
    if response.status_code == 503:
        response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return response
