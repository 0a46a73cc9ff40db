"""The probes: /healthz says the process is up, /readyz whether it can serve right now."""
from eventapp.blueprints.health import routes as health
from tests.conftest import free_port
from tests.factories import make_event, sign_up


def test_healthz_answers_ok_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_the_database_answers_at_the_migrations_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["migrations"]["database"] == body["migrations"]["code"] != []
    assert body["outbox"] == {"queued": 0, "oldest_queued_seconds": None}


def test_readyz_reports_the_outbox_backlog_and_the_age_of_the_oldest_message(app, client):
    with app.app_context():
        event = make_event()
        sign_up(event, 1)
        sign_up(event, 2)
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready"
    assert body["outbox"]["queued"] == 2
    assert 0 <= body["outbox"]["oldest_queued_seconds"] < 60


def test_readyz_is_not_ready_while_the_database_lags_behind_the_migrations(client, monkeypatch):
    monkeypatch.setattr(health, "code_heads", lambda directory: frozenset({"ffffffffffff"}))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert "flask db upgrade" in body["reason"]
    assert body["migrations"]["code"] == ["ffffffffffff"]


def test_readyz_is_not_ready_when_the_database_does_not_answer(make_app):
    nowhere = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none?connect_timeout=2"
    response = make_app(SQLALCHEMY_DATABASE_URI=nowhere).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reason"].startswith("database does not answer")
