"""The benchmark runs on demand (`make bench`); here only that its script loads and parses,
and that its entry point (bench/wsgi.py) adds what the benchmark needs to the real app."""
import importlib.util
import time
from pathlib import Path

from bench.wsgi import RAISED_LIMIT, prepare_for_bench
from tests.factories import make_event

ROOT = Path(__file__).resolve().parent.parent


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_script_imports_and_parses_its_arguments():
    bench = load_bench()
    defaults = bench.parse_args([])
    assert (defaults.database, defaults.workers, defaults.signup_clients) == ("sqlite", 2, 16)
    assert (defaults.rush, defaults.rush_capacity) == (200, 50)
    assert (defaults.connections, defaults.rounds) == (8, 3)  # wrk -t2 -c8, three rounds
    args = bench.parse_args(["--database", "postgresql", "--duration", "2.5", "--rounds", "5"])
    assert (args.database, args.duration, args.rounds) == ("postgresql", 2.5, 5)


def test_bench_ratios_are_the_median_of_the_rounds_against_the_bare_hello_world():
    bench = load_bench()
    bare = [{"rps": 1000.0}, {"rps": 2000.0}, {"rps": 1000.0}]
    ours = [{"rps": 900.0, "p50_ms": 1, "p99_ms": 2, "errors": {}},
            {"rps": 1000.0, "p50_ms": 1, "p99_ms": 2, "errors": {}},
            {"rps": 800.0, "p50_ms": 1, "p99_ms": 2, "errors": {}}]
    row = bench.median_row("hello", bare, ours, "req/s", 0.85)
    assert row["ratios"] == [0.9, 0.5, 0.8] and row["ratio"] == 0.8 and row["verdict"] == "MISS"
    row = bench.median_row("hello", bare, ours, "req/s", 0.8)
    assert row["verdict"] == "PASS"
    ours[0]["errors"] = {"non-2xx/3xx": 1}
    assert bench.median_row("hello", bare, ours, "req/s", 0.8)["verdict"] == "MISS"


def test_bench_signup_script_posts_the_form_with_a_new_address_each_time(tmp_path):
    bench = load_bench()
    event = {"slug": "e", "blocks": [{"id": 7, "sessions": [11, 12]}]}
    text = bench.signup_script(tmp_path / "s.lua", "session=abc", "tok.en", event, "wrk1").read_text()
    assert 'wrk.headers["Cookie"] = "session=abc"' in text
    assert 'local prefix = "csrf_token=tok.en&name=Deltagare+0&' in text and "email=" not in text.split("local prefix")[1].split("\n")[0]
    assert 'local blocks = {{"block_7", {11, 12}}}' in text and 'local tag = "wrk1"' in text


def test_bench_counts_the_access_log_by_method_and_status(tmp_path):
    bench = load_bench()
    log = tmp_path / "gunicorn.log"
    log.write_text('{"logger": "gunicorn.access", "method": "GET", "status": 200}\n')
    offset = log.stat().st_size
    with log.open("a") as f:
        f.write('{"logger": "gunicorn.access", "method": "POST", "status": 302}\n'
                '{"ts": "x", "logger": "eventapp.request", "method": "POST", "status": 302}\n'
                '{"logger": "gunicorn.access", "method": "POST", "status": 302}\n'
                '{"logger": "gunicorn.access", "method": "POST", "status": 400}\n')
    assert bench.access_log_counts(log, offset) == {("POST", 302): 2, ("POST", 400): 1}


def test_bench_reads_latency_percentiles_from_wrk_output():
    bench = load_bench()
    out = "  Latency Distribution\n     50%  812.00us\n     99%    1.20s\n"
    assert bench._wrk_ms(out, "50%") == 0.812
    assert bench._wrk_ms(out, "99%") == 1200.0


def test_bench_attendee_list_rows_pass_only_when_the_query_count_does_not_grow():
    bench = load_bench()
    hello = {"rps": 1000.0}
    measured = {"rps": 40.0, "requests": 400, "p50_ms": 90.0, "p99_ms": 300.0, "errors": {},
                "queries": {"small": 14, "large": 14, "small_people": 10, "large_people": 500}}
    speed, queries = bench.attendee_rows(hello, measured)
    assert speed["ratio"] == 0.04 and speed["verdict"] == "PASS"  # reported, no req/s target
    assert queries["figure"] == "14 at 10 people, 14 at 500" and queries["verdict"] == "PASS"
    measured["queries"]["large"] = 514
    assert bench.attendee_rows(hello, measured)[1]["verdict"] == "MISS"
    failed = {"error": "sign-in: POST /login 400", "queries": measured["queries"]}
    assert bench.attendee_rows(hello, failed)[0]["verdict"] == "MISS"


def test_the_hello_route_exists_only_in_the_bench_entry_point(make_app):
    assert make_app().test_client().get("/__bench/hello").status_code == 404
    response = prepare_for_bench(make_app()).test_client().get("/__bench/hello")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "hello"
    # Served through the same middleware as every page.
    assert response.headers["X-Request-ID"] and response.headers["Content-Security-Policy"]


def test_the_bench_entry_point_raises_the_rate_limits_out_of_reach_but_still_counts(make_app):
    app = prepare_for_bench(make_app())
    for name in ("RATELIMIT_PER_ADDRESS", "RATELIMIT_PER_EMAIL", "RATELIMIT_SIGNUP_PER_EMAIL",
                 "RATELIMIT_LOGIN_PER_ACCOUNT", "RATELIMIT_LOGIN_PER_DEVICE"):
        assert app.config[name] == RAISED_LIMIT
    with app.app_context():
        slug = make_event().slug
    response = app.test_client().post(f"/events/{slug}/signup", data={"email": "a@example.se"})
    assert response.status_code == 400  # the form is incomplete, and no limit is near
    assert response.headers["X-RateLimit-Limit"] == "1000000"


def test_the_floor_app_stores_a_sign_up_as_ours_does_and_refuses_the_same_address(make_app):
    """bench/floor.py: the durable essentials only, but every row a sign-up leaves, or the
    floor would be lower than a sign-up can really cost."""
    from sqlalchemy import select

    from bench.floor import create_floor_app
    from eventapp.extensions import db
    from eventapp.models import OutboxMessage, Registration, RegistrationChange, SessionChoice

    app = make_app()
    with app.app_context():
        event = make_event(capacities=(1, 5), blocks=2)
        slug, event_id = event.slug, event.id
        full, other = event.blocks[0].sessions[0], event.blocks[1].sessions[1]  # 1 seat, 5
        form = {"csrf_token": "x", "name": "Anna", "organisation": "Lycksele kommun",
                "job_title": "IT-strateg", "dietary_needs": "", "accessibility_needs": "",
                "discussion_topic": "", f"block_{full.block_id}": str(full.id),
                f"block_{other.block_id}": str(other.id)}
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()
        db.engine.dispose()
    floor = create_floor_app(url).test_client()
    assert floor.post(f"/events/{slug}/signup", data={**form, "email": "A@Example.org"}
                      ).status_code == 302
    assert floor.post(f"/events/{slug}/signup", data={**form, "email": "b@example.org"}
                      ).status_code == 302
    assert floor.post(f"/events/{slug}/signup", data={**form, "email": "a@example.org"}
                      ).status_code == 409
    assert floor.post(f"/events/{slug}/signup", data={**form, "email": "not an address"}
                      ).status_code == 400
    with app.app_context():
        registrations = db.session.scalars(
            select(Registration).where(Registration.event_id == event_id)
            .order_by(Registration.id)).all()
        assert [(r.email, r.is_active) for r in registrations] == [
            ("A@example.org", True), ("b@example.org", True)]
        assert [[(c.state, c.queue_no) for c in sorted(r.choices, key=lambda c: c.block_id)]
                for r in registrations] == [
            [(SessionChoice.CONFIRMED, None), (SessionChoice.CONFIRMED, None)],
            [(SessionChoice.WAITING, 1), (SessionChoice.CONFIRMED, None)]]
        assert db.session.scalars(select(OutboxMessage.kind)).all() == ["confirmation"] * 2
        assert len(db.session.scalars(select(RegistrationChange)).all()) == 2


def test_bench_cpu_counts_what_a_phase_spent_by_process_name():
    """bench/cpu.py: a phase that burns CPU in this process shows up under its name."""
    import os

    from bench import cpu

    assert cpu.parse_args([]).database == "sqlite"

    def burn():
        started = time.process_time()
        while time.process_time() - started < 0.3:
            pass
        return "done"

    result, spent, busy = cpu.measured(burn)
    own = Path(f"/proc/{os.getpid()}/stat").read_text().split("(", 1)[1].rsplit(")", 1)[0]
    assert result == "done" and 0 < busy <= 1
    assert spent[own] / cpu.TICKS >= 0.2
