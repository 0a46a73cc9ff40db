"""Configuration read from environment variables, with safe defaults for development."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("EVENTAPP_INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def development_base_url(environ=os.environ):
    """Where `flask run` (and `make run HOST=... PORT=...`) serves, for links in mail and
    sign-in links when BASE_URL is not set. Production refuses to start without BASE_URL."""
    host = (environ.get("FLASK_RUN_HOST") or "127.0.0.1").strip()
    if host in ("0.0.0.0", "::", "[::]"):  # every interface: link to this machine itself
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    port = (environ.get("FLASK_RUN_PORT") or "5000").strip()
    return f"http://{host}:{port}"


class Config:
    # Without one (development), create_app() makes a key once in instance/secret_key.
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'eventapp.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # How long a writer waits for a row lock (PostgreSQL's lock_timeout, SQLite's busy
    # timeout) before the person is told "busy, try again" (503): well below gunicorn's 30 s.
    DATABASE_LOCK_TIMEOUT_MS = _int("DATABASE_LOCK_TIMEOUT_MS", 10_000)
    # Absolute links in mail and calendar files come only from here, never from a Host header.
    BASE_URL = (os.environ.get("BASE_URL") or development_base_url()).rstrip("/")

    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("sv", "en")

    # Mail: with no MAIL_SERVER the outbox keeps every message and prints it to the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Eventapp <noreply@localhost>")
    MAIL_SUPPRESS_SEND = False
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)
    OUTBOX_BATCH_SIZE = _int("OUTBOX_BATCH_SIZE", 50)
    OUTBOX_LEASE_SECONDS = _int("OUTBOX_LEASE_SECONDS", 300)
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_POLL_SECONDS = _int("OUTBOX_POLL_SECONDS", 5)

    WTF_CSRF_TIME_LIMIT = 4 * 3600
    MAX_CONTENT_LENGTH = 256 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")

    DEMO_DATA_ALLOWED = True
    # Seconds an anonymous visitor's copy of an event page may be reused (0: off).
    PAGE_CACHE_SECONDS = float(os.environ.get("PAGE_CACHE_SECONDS", "2"))
    # How many reverse proxies (nginx) sit in front and may set X-Forwarded-For/-Proto.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)

    # Rate limits (Flask-Limiter). In memory by default; set REDIS_URL so that several
    # app processes share the counters.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_PER_ADDRESS = os.environ.get("RATELIMIT_PER_ADDRESS", "600 per minute")
    RATELIMIT_PER_EMAIL = os.environ.get("RATELIMIT_PER_EMAIL", "10 per 15 minutes")
    RATELIMIT_SIGNUP_PER_EMAIL = os.environ.get("RATELIMIT_SIGNUP_PER_EMAIL", "20 per hour")
    # Sign-in attempts on one account from browsers it has not signed in from: a short
    # window, so that a stranger's attempts keep the owner waiting at most that long.
    RATELIMIT_LOGIN_PER_ACCOUNT = os.environ.get("RATELIMIT_LOGIN_PER_ACCOUNT", "10 per minute")
    # ... and from each browser the owner has signed in from (its device cookie).
    RATELIMIT_LOGIN_PER_DEVICE = os.environ.get("RATELIMIT_LOGIN_PER_DEVICE", "10 per 15 minutes")

    # The JSON API (/api/v1): calls per token (per client address without one), counted in
    # the rate-limit storage above.
    API_RATELIMIT = os.environ.get("API_RATELIMIT", "600 per minute")
    API_TITLE = "eventapp API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"

    INVITE_TOKEN_HOURS = _int("INVITE_TOKEN_HOURS", 72)
    RESET_TOKEN_HOURS = _int("RESET_TOKEN_HOURS", 2)
    PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 10)
    # A staff session left unused this long ends (logging out ends it at once).
    STAFF_SESSION_IDLE_HOURS = _int("STAFF_SESSION_IDLE_HOURS", 12)

    # Production shape. Nothing outlives a request in process memory, so several app
    # processes (on several machines) behave as one over one database; Redis holds the
    # rate-limit counters they share.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()  # text | json


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    TESTING = True
    PAGE_CACHE_SECONDS = 0
    RATELIMIT_STORAGE_URI = "memory://"
    SECRET_KEY = "test-secret-key-not-for-production"
    BASE_URL = "http://eventapp.test"
    MAIL_SERVER = None


class ProductionConfig(Config):
    DEMO_DATA_ALLOWED = False

    @classmethod
    def validate(cls):
        missing = [name for name in ("SECRET_KEY", "BASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production needs these environment variables: " + ", ".join(missing)
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
