"""Small helpers for HTTP tests: CSRF tokens from real pages, text of a response, SQL
counted, the sign-up form's data, what the log handler writes, an export's sheet, a row
locked by another connection."""
import io
import logging
import re
import sqlite3
from contextlib import contextmanager
from html import unescape

import sqlalchemy as sa
from sqlalchemy import event as sa_event

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, url):
    response = client.get(url)
    match = CSRF.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def text_of(response):
    """The visible text of a page, whitespace folded, for asserting on what a person reads."""
    html = response.get_data(as_text=True) if hasattr(response, "get_data") else response
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def parts(message):
    """(plain text, html, {filename: bytes}) of a received email."""
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    attachments = {a.get_filename(): a.get_payload(decode=True) for a in message.iter_attachments()}
    return plain, html, attachments


def manage_link(plain_text):
    match = re.search(r"https?://\S+/manage/\S+", plain_text)
    assert match, "no manage link in the email"
    return match.group(0)


def login(client, email, password=None):
    from tests.factories import PASSWORD

    response = client.post("/login", data={
        "csrf_token": csrf_token(client, "/login"), "email": email,
        "password": password or PASSWORD})
    assert response.status_code == 302, text_of(response)
    return response


def post_form(client, url, data, page=None):
    """POST to url with the CSRF token from `page` (default: the same url)."""
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data})


@contextmanager
def sql_statements(engine):
    """The SQL statements run on `engine` inside the block (a list, filled as they run)."""
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


def signup_data(client, event, n=1, session_index=0, **overrides):
    block = event.blocks[0]
    data = {
        "csrf_token": csrf_token(client, f"/events/{event.slug}/signup"),
        "name": f"Deltagare {n}",
        "email": f"deltagare{n}@example.org",
        "organisation": "Lycksele kommun",
        "job_title": "Arkivarie",
        "dietary_needs": "Vegetarisk",
        "accessibility_needs": "",
        "discussion_topic": "Gallring av e-post",
        "consent": "y",
        f"block_{block.id}": str(block.sessions[session_index].id),
    }
    data.update(overrides)
    return data


@contextmanager
def log_output():
    """What our handler on the root logger writes, as text."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "eventapp", False))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def xlsx_sheet(data):
    """(heading lines, table rows) of an exported workbook: the lines above the first empty
    row say what the list is; the table (its header first) follows. Empty cells read ""."""
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = [[v if v is not None else "" for v in row] for row in sheet.iter_rows(values_only=True)]
    blank = next(i for i, row in enumerate(rows) if not any(row))
    return [row[0] for row in rows[:blank]], rows[blank + 1:]


@contextmanager
def row_held(backend, database_url, table, row_id):
    """Another connection holds the row (PostgreSQL) or the write lock (SQLite) until the
    block ends, as a long transaction elsewhere would."""
    if backend == "sqlite":
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        engine = sa.create_engine(database_url)
        try:
            with engine.connect() as conn:  # closing it ends the transaction
                conn.execute(sa.text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE"),
                             {"id": row_id})
                yield
        finally:
            engine.dispose()
