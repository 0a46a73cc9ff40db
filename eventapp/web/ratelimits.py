"""Rate-limit keys and values (Flask-Limiter). Tight limits are keyed on the email address a
form names, so one person cannot hammer one account or address; the per-address ceiling is
high, since a whole municipality may sign up from behind one address."""
from flask import current_app, request

from ..domain.signup import email_key


def email_from_form():
    # The key that decides who is the same person decides whose limit a request counts on.
    value = request.form.get("email", "")
    return "email:" + (email_key(value) or (request.remote_addr or "-"))


def per_address():
    return current_app.config["RATELIMIT_PER_ADDRESS"]


def per_email():
    return current_app.config["RATELIMIT_PER_EMAIL"]


def signup_per_email():
    return current_app.config["RATELIMIT_SIGNUP_PER_EMAIL"]
