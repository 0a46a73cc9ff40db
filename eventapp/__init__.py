"""The application factory: create_app() wires config, extensions, blueprints, errors, commands."""
import inspect
import logging
import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask, has_request_context, request, session

from config import CONFIGS, INSTANCE_DIR, ProductionConfig

from .extensions import api, babel, csrf, db, limiter, login_manager, migrate
from .extensions import mail as mail_extension  # `mail` is also the name of our subpackage
from .web import logging_setup, session_cookie, static_files
from .web.converters import register_converters
from .web.errors import is_api_request, register_errorhandlers
from .web.filters import register_template_helpers
from .web.security import register_security


class EventApp(Flask):
    """Flask, asking each hook and view whether it is a coroutine function by its code's flags
    alone. Flask asks inspect.iscoroutinefunction() for every hook on every request (about 16
    times for a page): a few microseconds each, a tenth of a hello-world's time in all."""

    _ASYNC = inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE

    def ensure_sync(self, func):
        code = getattr(func, "__code__", None)  # functions and bound methods; not partials
        if code is not None and not code.co_flags & self._ASYNC:
            return func
        return super().ensure_sync(func)

    def log_exception(self, exc_info):
        """Flask's line for an unhandled error, with the path redacted as in our request line
        (Flask wrote it as asked: a manage link's token went into the log)."""
        path = logging_setup.redact_path(request.path, request.view_args)
        self.logger.error(f"Exception on {path} [{request.method}]", exc_info=exc_info)


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config=None, overrides=None):
    app = EventApp(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    config = config or CONFIGS[os.environ.get("EVENTAPP_ENV", "development")]
    if config is ProductionConfig:
        config.validate()
    app.config.from_object(config)
    app.config.update(overrides or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret_key()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    logging_setup.configure_logging(app)
    static_files.init_app(app)
    session_cookie.init_app(app)

    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def _development_secret_key():
    """Development only: a key made once and kept in instance/, outside the repository."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        # Written private from the start and linked into place whole: never readable by
        # others, and a second process starting at the same moment reads one whole key.
        fd, tmp = tempfile.mkstemp(dir=INSTANCE_DIR, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)  # fails if another process made it first: keep theirs
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def select_locale():
    if has_request_context() and is_api_request():
        # The API has no cookie session: the client says which language it wants.
        return request.accept_languages.best_match(("sv", "en")) or "sv"
    chosen = session.get("lang") if has_request_context() else None
    if chosen in ("sv", "en"):
        return chosen
    return "sv"


def register_extensions(app):
    from .services.unit_of_work import install_locking

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A SQLite connection is a file opened in this process: no server can have closed
        # it, so pinging it before each request (a SELECT 1 on checkout) only cost time.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "pool_pre_ping": False}
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    mail_extension.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # Forms are FlaskForms and check their own token (so a failed check re-renders the form
    # with everything typed); CSRFProtect only provides csrf_token() for templates here.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    if not app.config["WTF_CSRF_CHECK_DEFAULT"]:
        # Its before-request hook then returns at once on every request: not called at all.
        hooks = app.before_request_funcs[None]
        hooks[:] = [hook for hook in hooks if getattr(hook, "__name__", "") != "csrf_protect"]
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    limiter.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        install_locking(db.engine, app.config["DATABASE_LOCK_TIMEOUT_MS"])


def register_blueprints(app):
    register_converters(app)
    from .blueprints.auth.routes import bp as auth_bp
    from .blueprints.health.routes import bp as health_bp
    from .blueprints.lead.routes import bp as lead_bp
    from .blueprints.organiser import bp as organiser_bp
    from .blueprints.public.routes import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(organiser_bp)
    app.register_blueprint(lead_bp)
    app.register_blueprint(health_bp)
    from .blueprints.api import register_api

    register_api(app, api)


def register_commands(app):
    from .cli import register

    register(app)
