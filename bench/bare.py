"""The benchmark's denominator: a bare Flask hello-world, nothing of eventapp in it.

bench/run.py starts it with `gunicorn -c gunicorn.conf.py bench.bare:app`, the same settings
(workers, access log, timeouts) as the app under test, beside it on its own port, and
divides every figure by this app's requests per second from the same session.
"""
from flask import Flask

app = Flask(__name__)


@app.get("/__bench/hello")
def hello():
    return "hello", 200, {"Content-Type": "text/plain; charset=utf-8"}
