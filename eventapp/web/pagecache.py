"""A short-lived, per-process cache of public pages as anonymous visitors see them.

When an invitation goes out, hundreds of people open the same event page within minutes.
The page is the same for all of them but for the seat counts, so each process keeps the
rendered HTML for a few seconds (PAGE_CACHE_SECONDS, 0 turns it off). It holds nothing
another process needs: a stale copy only shows seat counts up to that many seconds old, and
seats are taken in the database, never from these numbers. Signed-in staff, visitors with a
message waiting (flash) and every POST bypass it.
"""
import hashlib
import hmac
import os
import threading
import time

from flask import current_app, g, request, session
from flask_login import current_user
from itsdangerous import BadData, SignatureExpired
from wtforms.validators import ValidationError

from .signing import LeanURLSafeTimedSerializer, serializer_for

_TOKEN = b"\x00csrf-token\x00"
_lock = threading.Lock()
_pages = {}
_MAX_PAGES = 256


def cacheable(anyone=False):
    """Whether this request may be answered from the cache. `anyone`: the answer is the same
    for every caller (the public JSON API, which no cookie signs in to), so neither who is
    signed in nor a waiting message matters."""
    return (
        enabled()
        and request.method == "GET"
        and (anyone or (_nobody_signed_in() and not session.get("_flashes")))
    )


def _nobody_signed_in():
    # Flask-Login signs somebody in only from the session's "_user_id" (we set no remember
    # cookie and have no request loader). Without one, asking current_user would only make
    # Flask-Login go through its loaders to build the anonymous user: a tenth of a cached hit.
    return "_user_id" not in session or not current_user.is_authenticated


def cached_page(key, render, with_csrf=False):
    """The page for `key`, rendered at most once per PAGE_CACHE_SECONDS in this process.

    `with_csrf`: the page holds a form; each visitor still gets their own CSRF token, which
    is put into the cached HTML on the way out.
    """
    # A page asked with a query string is rendered for that request alone: the page holds
    # the query (the language links' way back), which is not part of the key.
    if request.query_string or not cacheable():
        return render()
    full_key = (key, request.path, _locale())
    page = _lookup(full_key)
    if page is None:
        token = csrf_token() if with_csrf else None
        html = render()
        if not isinstance(html, str):
            return html  # a redirect or an error page: not cached
        # Kept encoded, so that a hit does not encode the whole page again.
        page = html.encode("utf-8")
        _keep(full_key, page.replace(token.encode("ascii"), _TOKEN) if token else page)
        return html
    return page.replace(_TOKEN, csrf_token().encode("ascii")) if with_csrf else page


def csrf_token():
    """The visitor's CSRF token, as Flask-WTF's generate_csrf makes it (the same token for the
    whole request, its random value kept in the session, checked by Flask-WTF's validate_csrf
    on the POST), with a serializer made once per key instead of once per call and without
    zlib (web/signing.py). A form's own csrf_token field, rendered later in the same
    request, gives this token too."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    if field not in g:
        value = csrf_session_value()
        secret_key = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        setattr(g, field, serializer_for(LeanURLSafeTimedSerializer, secret_key,
                                         "wtf-csrf-token").dumps(value))
    return g.get(field)


def check_csrf_token(data, secret_key, time_limit, field="csrf_token"):
    """Flask-WTF's validate_csrf (the same refusals, in the same order, with its messages),
    reading the token with the serializer made once per key: Flask-WTF made a serializer,
    a signer and the derived HMAC key again for every POST."""
    if not data:
        raise ValidationError("The CSRF token is missing.")
    if field not in session:
        raise ValidationError("The CSRF session token is missing.")
    serializer = serializer_for(LeanURLSafeTimedSerializer, secret_key or current_app.secret_key,
                                "wtf-csrf-token")
    try:
        token = serializer.loads(data, max_age=time_limit)
    except SignatureExpired as exc:
        raise ValidationError("The CSRF token has expired.") from exc
    except BadData as exc:
        raise ValidationError("The CSRF token is invalid.") from exc
    if not hmac.compare_digest(session[field], token):
        raise ValidationError("The CSRF tokens do not match.")


def csrf_session_value():
    """The random value behind the visitor's CSRF token, put in the session if it has none
    (as Flask-WTF's generate_csrf does)."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    value = session.get(field)
    if not isinstance(value, str):
        value = session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
    return value


def cached_answer(key, build):
    """`build()`'s value (for the public JSON API: its serialised body and ETag), built at
    most once per PAGE_CACHE_SECONDS in this process. The same for every caller and in every
    language, so the key holds neither (no locale negotiation on the way)."""
    if not cacheable(anyone=True):
        return build()
    full_key = (key, request.path, None)
    value = _lookup(full_key)
    if value is None:
        value = build()
        _keep(full_key, value)
    return value


def enabled():
    return current_app.config.get("PAGE_CACHE_SECONDS", 0) > 0


def shared(key, build):
    """`build()`'s value, built at most once per PAGE_CACHE_SECONDS in this process and
    handed to every request that asks, whatever its method or caller: for a value that is the
    same for everyone and that nothing changes (the sign-up POST's copy of the programme).
    A value of None is not kept."""
    full_key = (key, None, "shared")
    value = _lookup(full_key)
    if value is None:
        value = build()
        if value is not None:
            _keep(full_key, value)
    return value


def _lookup(full_key):
    with _lock:
        hit = _pages.get(full_key)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def _keep(full_key, value):
    expires = time.monotonic() + current_app.config["PAGE_CACHE_SECONDS"]
    with _lock:
        if len(_pages) >= _MAX_PAGES:
            _pages.clear()
        _pages[full_key] = (expires, value)


def clear():
    with _lock:
        _pages.clear()


def _locale():
    # The language the page will be rendered in, without Babel parsing a Locale for it.
    from .. import select_locale

    return select_locale()
