"""Static file URLs that change when the file does, so browsers and nginx may cache them a year.

Flask does not fingerprint static files. At startup we hash every file under static/ once;
url_for('static', filename='app.css') then gives /static/app.css?v=<hash>. A new deploy
with a changed file gives a new URL, so a long cache never serves a stale stylesheet.
"""
import functools
import hashlib
from pathlib import Path

from flask import request

ONE_YEAR = 365 * 24 * 3600


def file_versions(folder):
    """{relative path: short content hash} for every file under `folder`."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def init_app(app):
    versions = file_versions(app.static_folder)
    app.extensions["static_versions"] = versions

    @app.url_defaults
    def add_version(endpoint, values):
        if endpoint == "static" and "v" not in values:
            version = versions.get(values.get("filename"))
            if version:
                values["v"] = version

    send_static_file = app.view_functions.get("static")
    if send_static_file is None:
        return

    # Wrapped around the static view (not an after-request hook, which every page paid for).
    @functools.wraps(send_static_file)
    def cache_fingerprinted(filename):
        response = send_static_file(filename=filename)
        # Only the URL of the current content is cacheable for a year (when Flask serves it;
        # behind nginx, nginx serves /static/ itself with the same header).
        wanted = request.args.get("v")
        if (response.status_code in (200, 304) and wanted
                and wanted == versions.get(filename)):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
        return response

    app.view_functions["static"] = cache_fingerprinted
