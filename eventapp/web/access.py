"""Who may open which page. Every view declares one rule; a test checks none is missing.

Rules: "public" (anyone), "manage_token" (holder of a participant's manage link, checked
in the view), "signed_in", "organiser", "lead" (a lead or organiser; which sessions a lead
may see is checked per session with `ensure_can_lead`), "api_token" (a JSON API operation:
the Bearer token and what it reaches are checked in the view, web/api.py; never a cookie).

The rule also decides caching: every page behind a manage link or a sign-in shows somebody's
personal data, so no browser or proxy may keep it (`Cache-Control: no-store`).
"""
import functools

from flask import abort, redirect, request, url_for
from flask.globals import request_ctx
from flask_login import current_user

RULES = ("public", "manage_token", "signed_in", "organiser", "lead", "api_token")
PERSONAL = ("manage_token", "signed_in", "organiser", "lead", "api_token")


def access(rule, personal=None):
    """`personal=True` marks a public page that still shows the visitor's own data."""
    if rule not in RULES:
        raise ValueError(rule)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if rule in ("signed_in", "organiser", "lead"):
                if not current_user.is_authenticated:
                    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
                if rule == "organiser" and not current_user.is_organiser:
                    abort(403)
                if rule == "lead" and not (current_user.is_lead or current_user.is_organiser):
                    abort(403)
            return view(*args, **kwargs)

        wrapper.access_rule = rule
        wrapper.personal = rule in PERSONAL if personal is None else personal
        return wrapper

    return decorate


def no_store_for_personal_pages(response):
    """after_request: what a personal page answered (its errors and exports too) is not kept."""
    ctx = request_ctx._get_current_object()  # one look through the proxy for app and request
    view = ctx.app.view_functions.get(ctx.request.endpoint)
    if getattr(view, "personal", False):
        response.headers["Cache-Control"] = "no-store"
    return response


def leads_session(user, session):
    """Organisers see every session; a lead only the sessions they lead, right now."""
    if not user.is_authenticated:
        return False
    if user.is_organiser:
        return True
    return any(lead.user_id == user.id for lead in session.leads)


def ensure_can_lead(session):
    if session is None or not leads_session(current_user, session):
        abort(404 if session is None else 403)
