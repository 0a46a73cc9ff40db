"""Rate limits (Flask-Limiter's storage). The per-address ceiling is high and counts every
POST, since a whole municipality may sign up from behind one address. The tight limits are
keyed on the email address a form names, and count only a request whose form validated: a
request without a CSRF token, or with a form the person could not have sent, never counts
against somebody's address.

Signing in is limited per account for browsers the account has not used before (a short
moving window, so an attack leaves the owner waiting at most that window), and per browser
for the owner's known browsers (web/devices.py), which a stranger's attempts never block.
"""
import math
import time

from flask import current_app
from limits import parse
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from ..domain.signup import email_key
from ..extensions import limiter


def per_address():
    return current_app.config["RATELIMIT_PER_ADDRESS"]


def spend(setting, *key):
    """Count one attempt against the limit in config `setting` for `key`; a 429 (with
    Retry-After) when none is left. A moving window: no burst at a window's edge."""
    if not limiter.enabled:
        return
    item = parse(current_app.config[setting])
    strategy = MovingWindowRateLimiter(limiter.storage)
    if not strategy.hit(item, *key):
        reset_at = strategy.get_window_stats(item, *key).reset_time
        raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))


def address_key(address):
    """The one key an email address is counted under: the normalised address."""
    return email_key(address)[:254]


def spend_for_address(purpose, address, setting="RATELIMIT_PER_EMAIL"):
    """One validated request naming `address`."""
    spend(setting, purpose, address_key(address))


def spend_sign_in_attempt(address, device):
    """One sign-in attempt: against the browser's own limit when it is a known browser of
    this account (`device`, web/devices.py), else against the account's."""
    if device is not None:
        spend("RATELIMIT_LOGIN_PER_DEVICE", "login-device", device)
    else:
        spend_for_address("login-account", address, "RATELIMIT_LOGIN_PER_ACCOUNT")
