"""Security headers, cookies and proxies: Flask-Talisman, ProxyFix, no-store on personal pages."""
from werkzeug.middleware.proxy_fix import ProxyFix

from ..extensions import talisman
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
