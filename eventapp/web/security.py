"""Security headers, cookies and proxies: one WSGI middleware for the headers, ProxyFix,
no-store on personal pages.

Every response carries the same security headers (no view has options of its own, no CSP
nonce), so they are worked out once and appended to the header list the server gets; the
request id (from the proxy when it is harmless, else a fresh one) is made here too, so that
every response carries it, an error page's included. Only Strict-Transport-Security depends
on the request: sent when it arrived over https (the proxy says so in X-Forwarded-Proto).
Cookies: config.py sets Secure and HttpOnly (Secure whenever BASE_URL is https).
"""
import time
from random import getrandbits

from werkzeug.middleware.proxy_fix import ProxyFix

from .access import no_store_for_personal_pages
from .logging_setup import REQUEST_ID, SAFE_REQUEST_ID, STARTED

# No inline script or style anywhere in the pages (emails are not pages).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

SECURITY_HEADERS = (
    ("Permissions-Policy", "geolocation=(), camera=(), microphone=()"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy",
     "; ".join(f"{name} {value}" for name, value in CONTENT_SECURITY_POLICY.items())),
    # Manage links carry a token in the path: never send it to another site.
    ("Referrer-Policy", "same-origin"),
)
STRICT_TRANSPORT_SECURITY = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


class ResponseHeaders:
    """WSGI middleware: the request id and the security headers on every response.

    Setting them on Flask's response object in after_request hooks went through werkzeug's
    Headers, one validated set() per header: a fifth of our hello-world's time. A header a
    view set itself is left as the view set it."""

    def __init__(self, wsgi_app, https):
        self.wsgi_app = wsgi_app
        self.https = https  # Strict-Transport-Security only where the site is https
        self.names = {name.lower() for name, _ in SECURITY_HEADERS} | {"x-request-id"}

    def __call__(self, environ, start_response):
        environ[STARTED] = time.perf_counter()
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        # An id only tells log lines apart, it guards nothing: 64 random bits from the
        # process's generator (reseeded in each forked worker), not a system call each time.
        request_id = (incoming if incoming and SAFE_REQUEST_ID.fullmatch(incoming)
                      else f"{getrandbits(64):016x}")
        environ[REQUEST_ID] = request_id
        https = self.https and (environ.get("wsgi.url_scheme") == "https"
                                or environ.get("HTTP_X_FORWARDED_PROTO") == "https")

        def start_with_headers(status, headers, exc_info=None):
            present = [name.lower() for name, _ in headers]
            if self.names.isdisjoint(present):
                headers.extend(SECURITY_HEADERS)
                headers.append(("X-Request-ID", request_id))
            else:  # the view set one of them itself: its value stays
                headers.extend(h for h in SECURITY_HEADERS if h[0].lower() not in present)
                if "x-request-id" not in present:
                    headers.append(("X-Request-ID", request_id))
            if https:
                headers.append(STRICT_TRANSPORT_SECURITY)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_headers)


def register_security(app):
    app.after_request(no_store_for_personal_pages)
    app.wsgi_app = ResponseHeaders(app.wsgi_app, https=app.config["BASE_URL"].startswith("https://"))
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Outside ResponseHeaders, so that it sees the scheme the proxy was asked for.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_port=proxies)
