"""Request plumbing of the JSON API: who calls (a Bearer token, never a cookie), what the
token reaches, rate limits per token with RateLimit-* headers, caching and ETags."""
import hashlib
import json
import math
import time

from flask import current_app, g, request
from limits import parse
from limits.strategies import FixedWindowRateLimiter
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import TooManyRequests

from ..domain.errors import NotAuthenticated, NotFound, TokenLacksRight
from ..extensions import limiter
from ..models import ApiToken
from ..services import api_tokens
from ..util.time import utcnow


class ArgumentsParser(FlaskParser):
    """webargs' parser for the API's operations, except that a JSON body nested deeper than
    Python's parser goes (`[[[[…`) is broken JSON like any other: a 400, not a server error."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError as error:
            raise json.JSONDecodeError("nested too deeply", "(request body)", 0) from error


def bearer_secret():
    """The token from `Authorization: Bearer …`, or None. Never read from the URL or a cookie."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def caller(required=True):
    """The Principal behind this request's token (once per request). Without a token: None if
    not `required`, else NotAuthenticated (401), as for an unknown, expired or revoked one."""
    if "api_principal" not in g:
        secret = bearer_secret()
        try:
            g.api_principal = api_tokens.authenticate(secret, utcnow()) if secret else None
        except NotAuthenticated:
            g.api_principal = None
    if g.api_principal is None and required:
        raise NotAuthenticated()
    return g.api_principal


def token_may(kind=None, write=False):
    """The caller, if their token is of `kind` (any, when None) and may write if `write`."""
    principal = caller()
    if (kind is not None and principal.kind != kind) or (write and not principal.can_write):
        raise TokenLacksRight()
    return principal


def organiser_of(event_id, write=False):
    """The caller, if their token reaches this event: a lead's token is refused (403), an
    event outside the token's is not found (404), a write with a read-only token is 403."""
    principal = token_may(ApiToken.ORGANISER, write)
    if event_id not in principal.event_ids:
        raise NotFound(event_id)
    return principal


def reader_of_session(session_id, event_id):
    """The caller, if their token reaches this session: a lead's token naming it, or an
    organiser's token for its event; anything else is not found."""
    principal = caller()
    if session_id in principal.session_ids or event_id in principal.event_ids:
        return principal
    raise NotFound(session_id)


def spend_api_call():
    """Count this call against its token; the figures go into RateLimit-* headers, and a 429
    with Retry-After once none is left. A secret that is not a live token is counted against
    the caller's address instead (else every guess would start a fresh count). A call without
    a token reads only what the public pages show, from the same short-lived cache, and is
    not counted (as those pages are not)."""
    if not limiter.enabled or bearer_secret() is None:
        return
    principal = caller(required=False)
    key = (("api-token", str(principal.token_id)) if principal is not None
           else ("api-unknown-token", request.remote_addr or "-"))
    item = parse(current_app.config["API_RATELIMIT"])
    strategy = FixedWindowRateLimiter(limiter.storage)
    allowed = strategy.hit(item, *key)
    reset_at, remaining = strategy.get_window_stats(item, *key)
    reset = max(1, math.ceil(reset_at - time.time()))
    g.api_ratelimit = {"RateLimit-Limit": str(item.amount),
                       "RateLimit-Remaining": str(max(0, remaining)),
                       "RateLimit-Reset": str(reset)}
    if not allowed:
        raise TooManyRequests(retry_after=reset)


def add_api_headers(response):
    """after_request for the API: rate-limit figures; no cookie is ever set."""
    for name, value in g.get("api_ratelimit", {}).items():
        response.headers[name] = value
    response.headers.pop("Set-Cookie", None)
    response.vary.add("Authorization")
    response.vary.add("Accept-Language")
    return response


def personal(response):
    """Personal data is not kept by any browser or proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


def json_body(data):
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def tagged(body):
    """A JSON answer's text and its strong ETag (computed once, then cached with the text)."""
    return body, hashlib.sha256(body.encode()).hexdigest()[:32]


def etagged(body, max_age=0, etag=None):
    """A JSON answer (its text) with a strong ETag; 304 when If-None-Match has it. (By hand,
    not werkzeug's make_conditional: that also handles ranges, and costs a public answer
    more than the rest of its way out.)"""
    etag = etag or tagged(body)[1]
    headers = {"ETag": f'"{etag}"', "Cache-Control": f"public, max-age={max_age}"}
    if "If-None-Match" in request.headers and request.if_none_match.contains(etag):
        return current_app.response_class(status=304, headers=headers)
    return current_app.response_class(body, mimetype="application/json", headers=headers)
