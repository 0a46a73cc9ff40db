"""Security headers, cookies and proxies: Flask-Talisman, ProxyFix, no-store on personal pages."""
from flask_talisman import Talisman
from werkzeug.datastructures import Headers
from werkzeug.middleware.proxy_fix import ProxyFix

from .access import no_store_for_personal_pages

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


class FixedTalisman(Talisman):
    """Talisman with its headers worked out once. Our options are the same for every view and
    request (no per-view @talisman options, no CSP nonces), yet Talisman parsed the policy and
    looked up each view's options on every response: a tenth of a hello-world's time. Only
    Strict-Transport-Security depends on the request, and Talisman still decides it."""

    _fixed = None

    def init_app(self, app, **options):
        self._fixed = None  # worked out again for these options on the first response
        super().init_app(app, **options)

    def _force_https(self):
        if self.force_https:
            return super()._force_https()
        return None

    def _make_nonce(self):
        if self.content_security_policy_nonce_in:
            super()._make_nonce()

    def _set_response_headers(self, response):
        if self._fixed is None:
            headers, options = Headers(), self._get_local_options()
            self._set_feature_policy_headers(headers, options)
            self._set_permissions_policy_headers(headers, options)
            self._set_document_policy_headers(headers, options)
            self._set_frame_options_headers(headers, options)
            self._set_content_security_policy_headers(headers, options)
            self._set_referrer_policy_headers(headers)
            self._fixed = list(headers.items())
        for name, value in self._fixed:
            response.headers[name] = value
        self._set_hsts_headers(response.headers)
        return response


talisman = FixedTalisman()


def register_security(app):
    https = app.config["BASE_URL"].startswith("https://")
    talisman.init_app(
        app,
        # The proxy (nginx) redirects to https; a plain-http local run must keep working.
        force_https=False,
        # Sent only on requests that arrived over https (Talisman checks request.is_secure).
        strict_transport_security=https,
        strict_transport_security_max_age=365 * 24 * 3600,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        # Manage links carry a token in the path: never send it to another site.
        referrer_policy="same-origin",
        session_cookie_secure=https,
        session_cookie_http_only=True,
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    app.after_request(no_store_for_personal_pages)
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_port=proxies)
