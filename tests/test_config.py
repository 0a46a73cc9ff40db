"""Where links in mail point: BASE_URL when it is set, else where `flask run` (and
`make run HOST=... PORT=...`) serves; production refuses to start without it."""
import os
import subprocess
import sys
from pathlib import Path

from config import development_base_url

ROOT = Path(__file__).resolve().parent.parent


def base_url_with(**env):
    """Config.BASE_URL as a fresh process with this environment reads it."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("BASE_URL", "FLASK_RUN_HOST", "FLASK_RUN_PORT")}
    environ.update(env)
    result = subprocess.run([sys.executable, "-c", "import config; print(config.Config.BASE_URL)"],
                            cwd=ROOT, env=environ, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_links_follow_the_port_flask_run_serves_on():
    assert base_url_with(FLASK_RUN_PORT="5102") == "http://127.0.0.1:5102"
    assert base_url_with() == "http://127.0.0.1:5000"


def test_an_explicit_base_url_wins_over_host_and_port():
    assert base_url_with(BASE_URL="https://anmalan.example.se/", FLASK_RUN_PORT="5102") == (
        "https://anmalan.example.se")


def test_serving_on_every_interface_links_to_this_machine():
    assert development_base_url({"FLASK_RUN_HOST": "0.0.0.0", "FLASK_RUN_PORT": "8080"}) == (
        "http://127.0.0.1:8080")
    assert development_base_url({"FLASK_RUN_HOST": "::1"}) == "http://[::1]:5000"


def test_production_still_needs_base_url_set():
    environ = {k: v for k, v in os.environ.items() if k != "BASE_URL"}
    environ.update(SECRET_KEY="x" * 32, FLASK_RUN_PORT="5102")
    result = subprocess.run(
        [sys.executable, "-c", "import config; config.ProductionConfig.validate()"],
        cwd=ROOT, env=environ, capture_output=True, text=True)
    assert result.returncode != 0 and "BASE_URL" in result.stderr
