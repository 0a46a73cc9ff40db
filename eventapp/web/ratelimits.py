"""Rate limits (Flask-Limiter's storage). The per-address ceiling is high and counts every
POST, since a whole municipality may sign up from behind one address. The tight limits are
keyed on the email address a form names, and count only a request whose form validated: a
request without a CSRF token, or with a form the person could not have sent, never counts
against somebody's address. Nor can a stranger spend an address's limit to shut its owner
out: sign-ups count only when a registration is made, and a request that mails the address
its own link is, over the limit, answered as usual and not sent (mail_allowed).

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


def left(setting, *key):
    """Whether the limit in `setting` has an attempt left for `key`, without using one."""
    if not limiter.enabled:
        return True
    return MovingWindowRateLimiter(limiter.storage).test(parse(current_app.config[setting]), *key)


def ensure_left_for_address(purpose, address, setting):
    """A 429 (with Retry-After) when the address has no attempt left; nothing is counted."""
    if not left(setting, purpose, address_key(address)):
        spend(setting, purpose, address_key(address))  # raises, with the time to wait


def count_for_address(purpose, address, setting):
    """Count what happened (a sign-up made), never refusing: it is done already."""
    if limiter.enabled:
        MovingWindowRateLimiter(limiter.storage).hit(
            parse(current_app.config[setting]), purpose, address_key(address))


def mail_allowed(purpose, address, setting="RATELIMIT_PER_EMAIL"):
    """For requests that mail the address itself a link (its registration link, a password
    reset): counts one and says whether to send. Over the limit the page answers as always
    and sends nothing; the owner is never refused, and the inbox already holds a working link
    from the requests that were sent."""
    if not limiter.enabled:
        return True
    return MovingWindowRateLimiter(limiter.storage).hit(
        parse(current_app.config[setting]), purpose, address_key(address))


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
