"""The benchmark's entry point: the production app exactly as wsgi.py builds it, plus what
only a benchmark wants. bench/run.py starts gunicorn with `bench.wsgi:create_bench_app()`.

- /__bench/hello: the ceiling our pages are compared with, served by the same processes
  through the same middleware (request log, security headers, proxy handling).
- Per-address and per-email rate limits out of reach, because all the load comes from one
  address; the limiter still counts every request, so its cost stays in the figures.
"""
from eventapp import create_app
from eventapp.web.access import access

RAISED_LIMIT = "1000000 per second"
RAISED = ("RATELIMIT_PER_ADDRESS", "RATELIMIT_PER_EMAIL", "RATELIMIT_SIGNUP_PER_EMAIL",
          "RATELIMIT_LOGIN_PER_ACCOUNT", "RATELIMIT_LOGIN_PER_DEVICE")


@access("public")
def hello():
    return "hello", 200, {"Content-Type": "text/plain; charset=utf-8"}


def prepare_for_bench(app):
    app.add_url_rule("/__bench/hello", endpoint="bench_hello", view_func=hello)
    app.config.update({name: RAISED_LIMIT for name in RAISED})
    return app


def create_bench_app():
    return prepare_for_bench(create_app())
