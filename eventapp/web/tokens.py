"""Signed manage links: an HMAC under SECRET_KEY over ("v2", registration uid, link version).

The uid is random and never handed to anyone else, so a link can only ever open its own
registration, whatever happens to ids. Nothing live is stored: bumping the registration's
link_version revokes every older link. Links of the first format signed (id, link version);
ids can come back (SQLite reuses the highest after a delete), so those links are retired:
they are recognised, and never open anything.
"""
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..domain.signup import key_digest
from .signing import LeanURLSafeSerializer, serializer_for

_SALT = "manage-link"
_FORMAT = "v2"


def _serializer():
    # One per key, not one per link (a reminder to 1,000 people signs 1,000 links).
    return serializer_for(LeanURLSafeSerializer, current_app.config["SECRET_KEY"], _SALT)


def manage_token(registration):
    return _serializer().dumps([_FORMAT, registration.uid, registration.link_version])


def _payload(token):
    try:
        return _serializer().loads(token)
    except (BadSignature, UnicodeError, ValueError):
        return None


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def read_manage_token(token):
    """(registration uid, link version), or None for anything forged, malformed or retired."""
    value = _payload(token)
    if (
        not isinstance(value, list)
        or len(value) != 3
        or value[0] != _FORMAT
        or not isinstance(value[1], str)
        or not _is_int(value[2])
    ):
        return None
    return value[1], value[2]


def is_retired_manage_token(token):
    """A genuine link of the first (id, link version) format: once real, now never valid."""
    value = _payload(token)
    return isinstance(value, list) and len(value) == 2 and all(_is_int(v) for v in value)


# A new address is confirmed from that address: the link mailed there signs the registration,
# its link version, a digest of the address it had (not the address: links end up in logs)
# and the new one, and works for a limited time. Once the address has changed (or the links
# were renewed), every other such link stops working.
_EMAIL_SALT = "email-change"
EMAIL_CHANGE_MAX_AGE = 2 * 24 * 3600


def _email_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_EMAIL_SALT)


def email_change_token(registration, new_email):
    return _email_serializer().dumps(
        [registration.uid, registration.link_version, key_digest(registration.email_key),
         new_email])


def read_email_change_token(token):
    """(registration uid, link version, digest of the address key then, new address), or None
    for anything forged, malformed or expired."""
    try:
        value = _email_serializer().loads(token, max_age=EMAIL_CHANGE_MAX_AGE)
    except (BadSignature, UnicodeError, ValueError):
        return None
    if (not isinstance(value, list) or len(value) != 4 or not _is_int(value[1])
            or not all(isinstance(value[i], str) for i in (0, 2, 3))):
        return None
    return tuple(value)
