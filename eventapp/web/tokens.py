"""Signed manage links: an HMAC under SECRET_KEY over (registration id, link version).

Nothing live is stored: bumping the registration's link_version revokes every older link.
"""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "manage-link"


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def manage_token(registration):
    return _serializer().dumps([registration.id, registration.link_version])


def read_manage_token(token):
    """(registration id, link version), or None for anything forged or malformed."""
    try:
        value = _serializer().loads(token)
    except (BadSignature, UnicodeError, ValueError):
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return None
    return value[0], value[1]
