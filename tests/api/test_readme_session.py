"""The README's curl session, run line for line against a live server (flask run on a free
port, the demo data on a fresh SQLite copy): what the README shows keeps working."""
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(ROOT / ".venv" / "bin" / "flask")


def readme_session():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- api-session -->\n```sh\n(.*?)```\n<!-- /api-session -->", text, re.S)
    assert block, "the README has lost its curl session"
    return block.group(1)


def answers(output):
    """The JSON documents curl printed one after another."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(output):
        if output[at].isspace():
            at += 1
            continue
        document, at = decoder.raw_decode(output, at)
        found.append(document)
    return found


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    database = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, database)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "EVENTAPP_ENV": "development",
           "SECRET_KEY": "readme-session-test", "BASE_URL": f"http://127.0.0.1:{port}",
           "FLASK_APP": "wsgi", "LOG_LEVEL": "WARNING"}
    subprocess.run([FLASK, "load-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen([FLASK, "run", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield port, env
    finally:
        server.terminate()
        server.wait(10)


def test_the_readme_curl_session_works_against_a_live_server(live_server):
    port, env = live_server
    script = readme_session().replace("http://127.0.0.1:5000", f"http://127.0.0.1:{port}")
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    events, created, first, second, changes, attendees = answers(run.stdout)
    assert events["items"][0]["title"].startswith("Uppstartsdag")
    assert created["name"] == "Eva Ek" and created["choices"][0]["session_id"] == 2
    assert len(first["items"]) == 10 and first["next_cursor"] == "10"
    assert second["items"][0]["id"] == 11
    assert [c["kind"] for c in changes["items"]] == ["created"] * 5
    assert "Eva Ek" in [a["name"] for a in attendees["items"]]
    assert attendees["session"]["title"] == "E-arkivhantering"
