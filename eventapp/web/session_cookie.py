"""Flask's signed-cookie session, with
- its signing serializer made once per key, not for each request's open and save, and
  without a zlib attempt on a small session (web/signing.py);
- nothing done for a request that brings no cookie and leaves the session alone (Flask
  parsed the Cookie header, which walks the whole WSGI environ, and looked up seven cookie
  settings before finding there was nothing to save)."""
from flask.sessions import SecureCookieSessionInterface

from .signing import LeanURLSafeTimedSerializer


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
            # As Flask makes it (fallback keys first, the current key last), writing the same
            # cookies without trying zlib on a small session (web/signing.py).
            serializer = self._serializers[keys] = LeanURLSafeTimedSerializer(
                [*keys[1], keys[0]], salt=self.salt, serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation,
                               "digest_method": self.digest_method})
        return serializer

    def open_session(self, app, request):
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()  # no cookie at all: a new, empty session
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not (session or session.modified or session.accessed):
            return  # nothing in it, nothing changed, nobody looked: no cookie, no Vary
        super().save_session(app, session, response)


def init_app(app):
    app.session_interface = SessionCookies()
