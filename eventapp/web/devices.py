"""Device cookies (OWASP): a browser a staff member has signed in from carries a signed,
HttpOnly cookie naming the account and a random device id. Its sign-in attempts count
against that device only (web/ratelimits.py), so a stranger's failed passwords, which count
against the account, never lock the owner out of a browser they use."""
import secrets

from flask import current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

from .ratelimits import address_key

COOKIE = "device"
MAX_AGE = 365 * 24 * 3600


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="device-cookie")


def known_device(address):
    """The device id of this browser's cookie if it is valid and for this account, else None."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 500:
        return None
    try:
        account, device = _serializer().loads(raw, max_age=MAX_AGE)
    except (BadData, TypeError, ValueError):
        return None
    if account != address_key(address) or not isinstance(device, str):
        return None
    return device


def remember_device(response, address, device=None):
    """After a successful sign-in: the cookie (a new device id unless it had one)."""
    value = _serializer().dumps([address_key(address), device or secrets.token_urlsafe(16)])
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, path="/login", httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
