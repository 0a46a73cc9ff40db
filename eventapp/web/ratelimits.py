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
import functools
import math
import time

from flask import current_app, request
from limits import parse
from werkzeug.exceptions import TooManyRequests

from ..domain.signup import email_key
from ..extensions import limiter, moving_window


def per_address():
    return current_app.config["RATELIMIT_PER_ADDRESS"]


def spend(setting, *key):
    """Count one attempt against the limit in config `setting` for `key`; a 429 (with
    Retry-After) when none is left. A moving window: no burst at a window's edge."""
    if not limiter.enabled:
        return
    item = _limit(setting)
    strategy = _moving_window(limiter.storage)
    if not strategy.hit(item, *key):
        reset_at = strategy.get_window_stats(item, *key).reset_time
        raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))


def left(setting, *key):
    """Whether the limit in `setting` has an attempt left for `key`, without using one."""
    if not limiter.enabled:
        return True
    item = _limit(setting)
    entry = limiter.read_entry(item.key_for(*key), missing=_NOT_READ)
    if entry is not _NOT_READ:
        # The window is a list of timestamps, newest first, kept to the limit's length: an
        # attempt is left unless its last place holds one still inside the window (what
        # MovingWindowRateLimiter.test and its hit's script ask).
        return entry is None or float(entry) < time.time() - item.get_expiry()
    return _moving_window(limiter.storage).test(item, *key)


def read_email_limit_along(purpose, setting, field="email"):
    """A view decorator, above its per-address limit: that limit's hit (a round trip to Redis
    every POST makes anyway) also reads whether `setting` has an attempt left for the address
    the form names in `field`, and ensure_left_for_address then answers from it. Reading counts
    nothing, so reading a form not yet validated is harmless; what is used is the reading for
    the key of the validated address, and any other address is asked for as before. The reading
    is a few milliseconds older than the check's own was: a sign-up of the same address counted
    in between by another request is not seen, as two requests racing past the check were not."""
    def decorate(view):
        @functools.wraps(view)
        def reading_along(*args, **kwargs):
            address = request.form.get(field, "").strip() if request.method == "POST" else ""
            if address and limiter.enabled:
                item = _limit(setting)
                if item.amount > 0:
                    # Stripped as the form's filter strips it: the address is then normalised
                    # once (normalised_email keeps it), not here and again in the form.
                    limiter.read_along(item.key_for(purpose, address_key(address)),
                                       item.amount - 1)
            return view(*args, **kwargs)
        return reading_along
    return decorate


def ensure_left_for_address(purpose, address, setting):
    """A 429 (with Retry-After) when the address has no attempt left; nothing is counted."""
    if not left(setting, purpose, address_key(address)):
        spend(setting, purpose, address_key(address))  # raises, with the time to wait


def count_for_address(purpose, address, setting):
    """Count what happened (a sign-up made), never refusing: it is done already."""
    if limiter.enabled:
        _moving_window(limiter.storage).hit(_limit(setting), purpose, address_key(address))


def mail_allowed(purpose, address, setting="RATELIMIT_PER_EMAIL"):
    """For requests that mail the address itself a link (its registration link, a password
    reset): counts one and says whether to send. Over the limit the page answers as always
    and sends nothing; the owner is never refused, and the inbox already holds a working link
    from the requests that were sent."""
    if not limiter.enabled:
        return True
    return _moving_window(limiter.storage).hit(_limit(setting), purpose, address_key(address))


_NOT_READ = object()


def _limit(setting):
    return _parsed(current_app.config[setting])


# Parsed once per text, and one strategy per storage, not again on every call.
_parsed = functools.lru_cache(maxsize=64)(parse)
_moving_window = functools.lru_cache(maxsize=8)(moving_window)


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
