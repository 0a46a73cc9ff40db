"""Who may open which page. Every view declares one rule; a test checks none is missing.

Rules: "public" (anyone), "manage_token" (holder of a participant's manage link, checked
in the view), "signed_in", "organiser", "lead" (a lead or organiser; which sessions a lead
may see is checked per session with `ensure_can_lead`).
"""
import functools

from flask import abort, redirect, request, url_for
from flask_login import current_user

RULES = ("public", "manage_token", "signed_in", "organiser", "lead")


def access(rule):
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
        return wrapper

    return decorate


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
