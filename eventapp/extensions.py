"""Extension objects only; create_app() binds them with init_app (Talisman's options: web/security.py)."""
import click
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.datastructures import Headers

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class LazyMigrate:
    """Flask-Migrate, set up for an app when something first asks for it: Flask-Migrate
    brings Alembic and Mako, some 10 MB in every web worker that never migrates anything.
    The `flask` command (whose `db` group Flask-Migrate adds) gets it at once; elsewhere
    (tests, benchmarks) the first use of app.extensions["migrate"], as flask_migrate.upgrade()
    makes, sets it up. Its `directory` is there without loading anything (/readyz)."""

    def init_app(self, app, db, directory, **options):
        app.extensions["migrate"] = _MigrateOnFirstUse(app, db, directory, options)
        if click.get_current_context(silent=True) is not None:
            app.extensions["migrate"].load()


class _MigrateOnFirstUse:
    def __init__(self, app, db, directory, options):
        self.directory = directory
        self._setup = (app, db, options)

    def load(self):
        from flask_migrate import Migrate

        app, db, options = self._setup
        Migrate(app, db, directory=self.directory, **options)  # in app.extensions["migrate"]
        return app.extensions["migrate"]

    def __getattr__(self, name):  # anything but `directory`: the real thing
        if name.startswith("__") or name == "_setup":
            raise AttributeError(name)
        return getattr(self.load(), name)


migrate = LazyMigrate()
mail = Mail()
babel = Babel()
csrf = CSRFProtect()

login_manager = LoginManager()
# Per-address limits stay high by default (a whole municipality signs up from behind one
# address); the tight limits are keyed on the email address or account instead.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


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


class OpenApi(Api):
    """flask-smorest's Api builds the OpenAPI document from the API's schemas; its app-wide
    JSON error handler is left out: web/errors.py answers every error (problem+json under
    /api/, pages elsewhere)."""

    def _register_error_handlers(self):
        pass


api = OpenApi()
