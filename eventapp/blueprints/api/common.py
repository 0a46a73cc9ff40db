"""What the API's views share: its blueprint, UTC times, and registrations and events as the
schemas describe them."""
from datetime import timezone

import functools

from flask_smorest import Blueprint

from ...web.access import access
from ...web.api import ArgumentsParser, token_may


class _ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = ArgumentsParser()


bp = _ApiBlueprint("api", __name__, url_prefix="/api/v1",
               description="Events, registrations, leads' lists and the change feed.")

BEARER = [{"bearerAuth": []}]
# Documented on every operation: what a client must be ready for.
COMMON_ERRORS = (400, 422, 429, 503)
TOKEN_ERRORS = (401, 403, 404)


PROBLEM = {"$ref": "#/components/schemas/Problem"}


def documented_responses(statuses):
    """The answers besides success an operation may give, for the OpenAPI document: a
    problem (RFC 9457) for each error status, nothing for 304."""
    return {str(status): {"description": "Not modified: your copy is current."} if status == 304
            else {"description": "A problem (RFC 9457).",
                  "content": {"application/problem+json": {"schema": PROBLEM}}}
            for status in statuses}


def operation(rule, method, schema=None, status=200, personal=True, args=None, location="query",
              body=None, errors=(), kind=None, write=False):
    """One API operation: its route, its access rule, what it reads and answers, its errors.
    `kind` and `write` are checked before the request is read (401, then 403), so that a
    caller without the right learns nothing from how their request would be validated."""
    def decorate(view):
        view = bp.response(status, schema)(view)
        if body is not None:
            view = bp.arguments(body, location="json")(view)
        if args is not None:
            view = bp.arguments(args, location=location)(view)
        doc = {"responses": documented_responses((*COMMON_ERRORS, *errors))}
        if personal:
            view, doc["security"] = _guarded(view, kind, write), BEARER
        view = access("api_token" if personal else "public")(bp.doc(**doc)(view))
        return bp.route(rule, methods=[method])(view)
    return decorate


def _guarded(view, kind, write):
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        token_may(kind, write)
        return view(*args, **kwargs)
    return guarded


def utc(moment):
    return moment.replace(tzinfo=timezone.utc) if moment is not None else None


def registration_dict(r):
    return {
        "id": r.id, "event_id": r.event_id, "name": r.name, "email": r.email,
        "organisation": r.organisation, "job_title": r.job_title,
        "dietary_needs": r.dietary_needs, "accessibility_needs": r.accessibility_needs,
        "discussion_topic": r.discussion_topic, "locale": r.locale, "status": r.status,
        "source": r.source, "created_at": utc(r.created_at), "updated_at": utc(r.updated_at),
        "cancelled_at": utc(r.cancelled_at),
        "choices": [{"block_id": c.block_id, "session_id": c.session_id, "state": c.state}
                    for c in r.choices],
    }
