"""Extension objects only; create_app() binds them with init_app (security headers: web/security.py)."""
import time
from functools import partial

import click
from flask import g, has_request_context, request, session
from flask.globals import request_ctx
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from limits.util import WindowStats
from redis.exceptions import NoScriptError
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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



class LeanLoginManager(LoginManager):
    """Flask-Login, with its session protection only where somebody is signed in (it worked
    out the browser's identifier, a SHA-512 of its address and User-Agent, on every anonymous
    page view, and marked a non-empty anonymous session as not fresh), and without touching
    an empty session after each request."""

    def _session_protection_failed(self):
        if "_user_id" not in session:
            # Nobody signed in: nothing to protect. Flask-Login marked such a session
            # "_fresh": False, which wrote the cookie again on every page an anonymous visitor
            # opened; a request answered at the same time (the browser's /favicon.ico 404)
            # then put back the cookie from before, undoing a language just chosen.
            return False
        return super()._session_protection_failed()

    def _update_remember_cookie(self, response):
        # Flask-Login looked into the session after every request, which marks it accessed
        # (Flask then adds Vary: Cookie, to a hello-world or a JSON answer too). With no
        # session data there is no remember cookie to set or clear: the session is not touched.
        if not request_ctx._get_current_object()._session:
            return response
        return super()._update_remember_cookie(response)


login_manager = LeanLoginManager()


class LeanLimiter(Limiter):
    """Flask-Limiter whose app-wide hooks skip the requests no limit looked at. We set no
    default, application, blueprint or meta limits: every limit is a decorator on a POST view
    (checked inside the view's wrapper) or counted by web/ratelimits.py. Yet before every
    request Flask-Limiter looked for limits to apply, and after it for headers to add and a
    context to release: about a tenth of a hello-world's time, for nothing; and a view limited
    for POSTs only had its limits resolved on every GET as well."""

    def init_app(self, app):
        super().init_app(app)
        if type(self._limiter) is FixedWindowRateLimiter and type(self._storage) is RedisStorage:
            self._limiter = FixedWindowCountedOnce(self._storage)
        after = app.after_request_funcs.get(None, [])
        for i, hook in enumerate(after):
            if isinstance(hook, partial) and hook.args == (self,):
                after[i] = self._headers_when_limited
        teardown = app.teardown_request_funcs.get(None, [])
        for i, hook in enumerate(teardown):
            if getattr(hook, "__self__", None) is self:
                teardown[i] = self._release_when_limited

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if not self._limits_for_every_request():
            if in_middleware:
                return  # nothing applies to every request
            # A view's own limits, each for other methods than this request's (the sign-up
            # form's limit counts POSTs; its GET has nothing to check).
            method = request.method.lower()
            limits = self.limit_manager._decorated_limits.get(callable_name or "", ())
            if limits and all(limit.methods and method not in limit.methods for limit in limits):
                return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _limits_for_every_request(self):
        manager = self.limit_manager
        return bool(manager._default_limits or manager._application_limits
                    or manager._blueprint_limits or self._meta_limits)

    @staticmethod
    def _limit_looked_at():
        return hasattr(request_ctx._get_current_object(), "_limiter_request_context")

    def _headers_when_limited(self, response):
        if self._limit_looked_at():
            return self._Limiter__inject_headers(response)
        return response

    def _release_when_limited(self, exc=None):
        if self._limit_looked_at():
            self._Limiter__release_context(exc)

    def read_along(self, key, index):
        """Have this request's next limit hit also read entry `index` of the moving window at
        `key`, in the same round trip to Redis; the entry is then answered by read_entry(key).
        Only the hit on Redis reads along (memory storage has no round trip to save)."""
        if isinstance(self._limiter, FixedWindowCountedOnce):
            g.setdefault("limit_reads_along", []).append((key, index))

    @staticmethod
    def read_entry(key, missing=None):
        """The entry read along for `key` (None: the window holds none there), once; `missing`
        when nothing was read for it."""
        return g.get("limit_entries_read", {}).pop(key, missing)


class FixedWindowCountedOnce(FixedWindowRateLimiter):
    """Flask-Limiter's fixed window on Redis, whose hit also tells what it counted. For the
    X-RateLimit headers Flask-Limiter read the window again after the view (a GET and a TTL:
    two more round trips to Redis on every limited POST) to learn what the hit had just
    counted. The hit now answers the count and the time left in one script, and the headers
    of this request use that; the counting itself is Flask-Limiter's (same key, same expiry).

    The same script reads, without counting anything, the moving-window entries the view asked
    for with LeanLimiter.read_along (web/ratelimits.py: the sign-up limit of the email address
    the form names). A round trip to Redis cost 0.25-0.45 ms of CPU in a request (socket calls,
    the pool, redis-py's and the limits library's layers), whatever it carried; a sign-up POST
    made three, now two."""

    _HIT = """
    local current = redis.call("incrby", KEYS[1], ARGV[2])
    if tonumber(current) == tonumber(ARGV[2]) then
        redis.call("expire", KEYS[1], ARGV[1])
    end
    local answer = {current, redis.call("ttl", KEYS[1])}
    for i = 2, #KEYS do
        answer[i + 1] = redis.call("lindex", KEYS[i], ARGV[i + 1])
    end
    return answer
    """

    def __init__(self, storage):
        super().__init__(storage)
        self._hit_script = storage.get_connection().register_script(self._HIT)

    def hit(self, item, *identifiers, cost=1):
        key = item.key_for(*identifiers)
        along = g.pop("limit_reads_along", ()) if has_request_context() else ()
        keys = [self.storage.prefixed_key(key)]
        keys += [self.storage.prefixed_key(read) for read, _ in along]
        count, ttl, *entries = run_script(
            self._hit_script, keys, [item.get_expiry(), cost, *(index for _, index in along)])
        if has_request_context():
            # As get_window_stats() would answer it right after this hit.
            g.setdefault("limit_windows", {})[key] = WindowStats(
                max(ttl, 0) + time.time(), max(0, item.amount - count))
            read = g.setdefault("limit_entries_read", {})
            for (read_key, _), entry in zip(along, entries):
                read[read_key] = entry
        return count <= item.amount

    def get_window_stats(self, item, *identifiers):
        counted = g.get("limit_windows") if has_request_context() else None
        window = counted.get(item.key_for(*identifiers)) if counted else None
        return window or super().get_window_stats(item, *identifiers)


class MovingWindowOnRedis(MovingWindowRateLimiter):
    """The limits library's moving window, whose hit runs its script with run_script: the
    same script, key and arguments as RedisStorage.acquire_entry."""

    def hit(self, item, *identifiers, cost=1):
        key = self.storage.prefixed_key(item.key_for(*identifiers))
        return bool(run_script(self.storage.lua_acquire_moving_window, [key],
                               [time.time(), item.amount, item.get_expiry(), cost]))


def moving_window(storage):
    """The moving-window strategy for the limiter's storage."""
    if type(storage) is RedisStorage:
        return MovingWindowOnRedis(storage)
    return MovingWindowRateLimiter(storage)


def run_script(script, keys, args):
    """One of the limits' scripts on Redis, sent on a connection of the client's pool and
    answered straight from it. redis-py's command path (Script, evalsha, execute_command, its
    retry wrapper and observability hooks) was about 0.1 ms of CPU a call in a sign-up POST,
    as much as the round trip itself. A pooled connection Redis has closed is opened again by
    the pool; one that breaks mid-command raises as redis-py's own would once its retries were
    spent (ConnectionError: web/errors.py answers 503)."""
    pool = script.registered_client.connection_pool
    connection = pool.get_connection()
    try:
        connection.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
        return connection.read_response()
    except NoScriptError:  # a Redis restarted since: load it (redis-py's own path)
        return script(keys, args)
    except BaseException:
        connection.disconnect()  # whatever is left unread on it must not answer the next
        raise
    finally:
        pool.release(connection)


# Per-address limits stay high by default (a whole municipality signs up from behind one
# address); the tight limits are keyed on the email address or account instead.
limiter = LeanLimiter(key_func=get_remote_address, default_limits=[])


class OpenApi(Api):
    """flask-smorest's Api builds the OpenAPI document from the API's schemas; its app-wide
    JSON error handler is left out: web/errors.py answers every error (problem+json under
    /api/, pages elsewhere)."""

    def _register_error_handlers(self):
        pass


api = OpenApi()
