"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be set from the environment, so the systemd unit (deploy/) only sets variables.
This file imports nothing from eventapp: with preload off, each worker imports the app itself,
so a `systemctl reload` (HUP) starts workers on the code now on disk.
"""
import multiprocessing
import os


def _int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# Sync workers (one request at a time each) behind nginx, which buffers slow clients.
# (2 x cores) + 1 is gunicorn's advice: 5 on our 2-core machines, about 60-70 MB each.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
# More than 1 thread switches to the gthread worker (requests overlap their database waits).
threads = _int("GUNICORN_THREADS", 1)
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM / restart, requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
preload_app = False
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# The proxy whose X-Forwarded-Proto we believe (nginx on the same machine by default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log to stdout (journald keeps it). Deliberately without the path, query string and
# Referer: manage links carry a token in the path. The app logs each request once with the
# path redacted; the request id joins the two lines.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
access_log_format = '%(h)s %(t)s "%(m)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json":
    access_log_format = (
        '{"logger": "gunicorn.access", "remote": "%(h)s", "time": "%(t)s", "method": "%(m)s", '
        '"status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
        '"request_id": "%({x-request-id}o)s"}'
    )
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "eventapp"

# gunicorn's control socket is not needed; leave it off unless a path is given.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
