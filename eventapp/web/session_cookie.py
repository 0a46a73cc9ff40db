"""Flask's signed-cookie session, with its signing serializer made once per key rather than on
every request (Flask builds a new URLSafeTimedSerializer for each request's open and save)."""
from flask.sessions import SecureCookieSessionInterface


class SessionCookies(SecureCookieSessionInterface):
    def __init__(self):
        self._serializers = {}

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        # Keyed on the keys themselves: a changed SECRET_KEY or fallback list gets a new one.
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            self._serializers.clear()
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer


def init_app(app):
    app.session_interface = SessionCookies()
