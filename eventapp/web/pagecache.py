"""A short-lived, per-process cache of public pages as anonymous visitors see them.

When an invitation goes out, hundreds of people open the same event page within minutes.
The page is the same for all of them but for the seat counts, so each process keeps the
rendered HTML for a few seconds (PAGE_CACHE_SECONDS, 0 turns it off). It holds nothing
another process needs: a stale copy only shows seat counts up to that many seconds old, and
seats are taken in the database, never from these numbers. Signed-in staff, visitors with a
message waiting (flash) and every POST bypass it.
"""
import threading
import time

from flask import current_app, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

_TOKEN = "\x00csrf-token\x00"
_lock = threading.Lock()
_pages = {}
_MAX_PAGES = 256


def cacheable(anyone=False):
    """Whether this request may be answered from the cache. `anyone`: the answer is the same
    for every caller (the public JSON API, which no cookie signs in to), so neither who is
    signed in nor a waiting message matters."""
    return (
        current_app.config.get("PAGE_CACHE_SECONDS", 0) > 0
        and request.method == "GET"
        and (anyone or (not current_user.is_authenticated and not session.get("_flashes")))
    )


def cached_page(key, render, with_csrf=False):
    """The page for `key`, rendered at most once per PAGE_CACHE_SECONDS in this process.

    `with_csrf`: the page holds a form; each visitor still gets their own CSRF token, which
    is put into the cached HTML on the way out.
    """
    if not cacheable():
        return render()
    full_key = (key, request.path, _locale())
    hit = _lookup(full_key)
    if hit is not None:
        html = hit
    else:
        token = generate_csrf() if with_csrf else None
        html = render()
        if not isinstance(html, str):
            return html  # a redirect or an error page: not cached
        _keep(full_key, html.replace(token, _TOKEN) if token else html)
        return html
    return html.replace(_TOKEN, generate_csrf()) if with_csrf else html


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
