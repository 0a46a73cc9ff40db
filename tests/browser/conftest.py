"""Browser fixtures: the real app on a live port, Debian's Chromium driven by Playwright.

One Chromium per test run, a fresh context (cookies, viewport, language) per test, and one
live app per test, built with `make_app` so every journey runs on SQLite and PostgreSQL.
Mail goes to the real aiosmtpd `inbox`; a test delivers it with `live.deliver_mail()`.
"""
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from .checks import DESKTOP, REPO, PageChecker

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = {
    "executable_path": CHROMIUM,
    "args": [
        "--no-sandbox",
        "--disable-dev-shm-usage",
        # Keep Chromium off the network: only our own live server resolves.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    ],
    # A browser that cannot start fails the run in seconds instead of hanging it.
    "timeout": 30_000,
}
SKIP_REASON = f"Chromium not installed at {CHROMIUM}: browser tests skipped"

SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR") or REPO / "test-artifacts" / "screenshots")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Without Chromium every test here skips before a database or server is set up, and
    the summary shows it as one line."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(SKIP_REASON)


@pytest.fixture(scope="session")
def chromium():
    """One browser for the whole run; each test opens its own context on it."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(**LAUNCH_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


class QuietHandler(WSGIRequestHandler):
    """No access log: a failing test's output shows the assertion, not every request."""

    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    """The app serving on 127.0.0.1:<free port> from a daemon thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # Links in mail point here, so a test can follow them like a person would.
        app.config["BASE_URL"] = self.url
        # A short poll interval: shutdown() at the end of each test returns at once.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __call__(self, path="/"):
        return self.url + path

    def deliver_mail(self):
        from eventapp.mail.delivery import deliver_due

        with self.app.app_context():
            return deliver_due()

    def run(self, function, *args, **kwargs):
        """Call `function` (a factory, a service) inside an app context; returns its result."""
        with self.app.app_context():
            return function(*args, **kwargs)


@pytest.fixture
def live(chromium, make_app, inbox):
    server = LiveServer(make_app()).start()
    yield server
    server.stop()


@pytest.fixture
def screenshot_dir(request):
    """test-artifacts/screenshots/<test name>/, emptied first so it shows this run only."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = SCREENSHOT_DIR / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def open_page(chromium, live, screenshot_dir):
    """open_page(viewport, lang) -> PageChecker on a new page in a new browser context."""
    contexts = []

    def factory(viewport=DESKTOP, lang="sv"):
        # bypass_csp: axe is injected as a script tag, which a strict CSP would refuse.
        context = chromium.new_context(
            viewport=viewport, locale="sv-SE" if lang == "sv" else "en-GB", bypass_csp=True,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return PageChecker(context.new_page(), live, screenshot_dir, lang)

    yield factory
    for context in contexts:
        context.close()
